import { z } from "zod";

export const USER_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{1,31}$/;

export const userNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(USER_NAME_PATTERN, { error: "a user name is 2-32 lowercase letters, digits, _ or -" });

export const roleSchema = z.enum(["user", "admin"]);
export type Role = z.infer<typeof roleSchema>;

export interface UserRecord {
  /** The user name doubles as the id: it is unique, immutable, and what tokens and mentions carry. */
  name: string;
  role: Role;
  passwordHash: string;
  createdAt: number;
}

export type PublicUser = Omit<UserRecord, "passwordHash">;

export function toPublicUser({ passwordHash: _omit, ...rest }: UserRecord): PublicUser {
  return rest;
}

export class UserExistsError extends Error {
  constructor(name: string) {
    super(`user "${name}" already exists`);
    this.name = "UserExistsError";
  }
}

/** Users, in Redis or in a file under the data folder. Implementations pass `user-store.contract.ts`. */
export interface UserStore {
  get(name: string): Promise<UserRecord | undefined>;
  /** Fails with `UserExistsError` when the name is taken. */
  create(user: UserRecord): Promise<void>;
  setPassword(name: string, passwordHash: string): Promise<boolean>;
  setRole(name: string, role: Role): Promise<boolean>;
  list(): Promise<PublicUser[]>;
}
