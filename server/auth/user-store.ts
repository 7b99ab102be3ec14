import { z } from "zod";
import type { AuditActor, AuditRecord } from "../audit/audit-log";

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
  /**
   * The credential generation: raised by every change of password or role. Sessions and API tokens carry the
   * generation they were issued in and stop working when it moves. Absent means 0.
   */
  epoch?: number;
}

export type PublicUser = Omit<UserRecord, "passwordHash" | "epoch">;

export function toPublicUser({ passwordHash: _omit, epoch: _epoch, ...rest }: UserRecord): PublicUser {
  return rest;
}

export class UserExistsError extends Error {
  constructor(name: string) {
    super(`user "${name}" already exists`);
    this.name = "UserExistsError";
  }
}

/** Who creates a user: an admin at the command line, the user at their first single sign-on, or the system. */
export type UserCreatedBy = AuditActor & { details?: Record<string, unknown> };

export const epochOf = (user: Pick<UserRecord, "epoch">): number => user.epoch ?? 0;

/** Users, in the SQL system of record (`user-store.sql.ts`, SQLite or PostgreSQL); it passes `user-store.contract.test.ts`. */
export interface UserStore {
  get(name: string): Promise<UserRecord | undefined>;
  /** The users of these names that exist, by name: one read for many (the credential sweep). */
  getMany(names: readonly string[]): Promise<Map<string, UserRecord>>;
  /**
   * Fails with `UserExistsError` when the name is taken. Writes, in the same transaction, the `user.role` entry
   * of the new user's role (`from: null`), by `by` (with its `details` added).
   */
  create(user: UserRecord, by: UserCreatedBy): Promise<void>;
  /** A password change: also raises the epoch, which ends the user's sessions and tokens. */
  setPassword(name: string, passwordHash: string, audit: AuditRecord): Promise<boolean>;
  /**
   * Raises the epoch when the role actually changes. The SQL store writes `audit` in the same transaction, when
   * the role changed (with the previous role added to its details).
   */
  setRole(name: string, role: Role, audit: AuditRecord): Promise<boolean>;
  /**
   * The same password re-hashed with stronger parameters, at sign-in: replaces the hash only if it is still
   * `expected` (a concurrent password change wins), and leaves the epoch alone. True when replaced.
   */
  upgradePasswordHash(name: string, expected: string, passwordHash: string): Promise<boolean>;
  /** True when the user existed. */
  remove(name: string): Promise<boolean>;
  list(): Promise<PublicUser[]>;
  /** At most `limit` user names that start with `prefix` (taken literally), in name order. */
  namesStartingWith(prefix: string, limit: number): Promise<string[]>;
}
