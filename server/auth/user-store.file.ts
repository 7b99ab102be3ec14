import { join } from "node:path";
import { own, withOwn, withoutOwn } from "@/lib/util/own";
import { JsonDoc } from "../storage/json-doc";
import {
  UserExistsError,
  epochOf,
  toPublicUser,
  type PublicUser,
  type Role,
  type UserRecord,
  type UserStore,
} from "./user-store";

type UsersDoc = { users: Record<string, UserRecord> };

/** A user name is input: `constructor` is a valid name, and must not find Object.prototype's. */
const userIn = (doc: UsersDoc, name: string): UserRecord | undefined => own(doc.users, name);

/** Embedded mode: `users.json` in the data folder, shared safely with `npm run users`. */
export class FileUserStore implements UserStore {
  private readonly doc: JsonDoc<UsersDoc>;

  constructor(dataDir: string) {
    this.doc = new JsonDoc(join(dataDir, "users.json"), () => ({ users: {} }));
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const user = userIn(await this.doc.read(), name);
    return user ? { ...user, epoch: epochOf(user) } : undefined;
  }

  async create(user: UserRecord): Promise<void> {
    await this.doc.update((doc) => {
      if (userIn(doc, user.name)) throw new UserExistsError(user.name);
      doc.users = withOwn(doc.users, user.name, { ...user });
    });
  }

  async setPassword(name: string, passwordHash: string): Promise<boolean> {
    return this.doc.update((doc) => {
      const user = userIn(doc, name);
      if (!user) return false;
      user.passwordHash = passwordHash;
      user.epoch = epochOf(user) + 1;
      return true;
    });
  }

  async setRole(name: string, role: Role): Promise<boolean> {
    return this.doc.update((doc) => {
      const user = userIn(doc, name);
      if (!user) return false;
      if (user.role !== role) user.epoch = epochOf(user) + 1;
      user.role = role;
      return true;
    });
  }

  async upgradePasswordHash(name: string, expected: string, passwordHash: string): Promise<boolean> {
    return this.doc.update((doc) => {
      const user = userIn(doc, name);
      if (!user || user.passwordHash !== expected) return false;
      user.passwordHash = passwordHash;
      return true;
    });
  }

  async remove(name: string): Promise<boolean> {
    return this.doc.update((doc) => {
      if (!userIn(doc, name)) return false;
      doc.users = withoutOwn(doc.users, name);
      return true;
    });
  }

  async list(): Promise<PublicUser[]> {
    const doc = await this.doc.read();
    return Object.values(doc.users)
      .map(toPublicUser)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
