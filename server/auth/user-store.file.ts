import { join } from "node:path";
import { JsonDoc } from "../storage/json-doc";
import {
  UserExistsError,
  toPublicUser,
  type PublicUser,
  type Role,
  type UserRecord,
  type UserStore,
} from "./user-store";
import { own, withOwn } from "@/lib/util/own";

type UsersDoc = { users: Record<string, UserRecord> };

/** Embedded mode: `users.json` in the data folder, shared safely with `npm run users`. */
export class FileUserStore implements UserStore {
  private readonly doc: JsonDoc<UsersDoc>;

  constructor(dataDir: string) {
    this.doc = new JsonDoc(join(dataDir, "users.json"), () => ({ users: {} }));
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const doc = await this.doc.read();
    const user = own(doc.users, name);
    return user ? { ...user } : undefined;
  }

  async create(user: UserRecord): Promise<void> {
    await this.doc.update((doc) => {
      if (own(doc.users, user.name)) throw new UserExistsError(user.name);
      doc.users = withOwn(doc.users, user.name, { ...user });
    });
  }

  async setPassword(name: string, passwordHash: string): Promise<boolean> {
    return this.doc.update((doc) => {
      const user = own(doc.users, name);
      if (!user) return false;
      user.passwordHash = passwordHash;
      return true;
    });
  }

  async setRole(name: string, role: Role): Promise<boolean> {
    return this.doc.update((doc) => {
      const user = own(doc.users, name);
      if (!user) return false;
      user.role = role;
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
