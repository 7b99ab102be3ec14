import type { SqlDatabase } from "../db/open";
import { isUniqueViolation } from "../db/transaction";
import { UserExistsError, type PublicUser, type Role, type UserRecord, type UserStore } from "./user-store";

/** Users in the SQL system of record (SQLite or PostgreSQL); `users.role` is checked against `roles`. */
export class SqlUserStore implements UserStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
    if (!row) return undefined;
    return {
      name: row.name,
      role: row.role as Role,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
      epoch: row.epoch,
    };
  }

  async create(user: UserRecord): Promise<void> {
    try {
      await this.db
        .insertInto("users")
        .values({
          name: user.name,
          role: user.role,
          password_hash: user.passwordHash,
          epoch: user.epoch ?? 0,
          created_at: user.createdAt,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) throw new UserExistsError(user.name);
      throw err;
    }
  }

  async setPassword(name: string, passwordHash: string): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set((eb) => ({ password_hash: passwordHash, epoch: eb("epoch", "+", 1) }))
      .where("name", "=", name)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setRole(name: string, role: Role): Promise<boolean> {
    // One statement: the epoch moves only when the role does.
    const result = await this.db
      .updateTable("users")
      .set((eb) => ({
        role,
        epoch: eb
          .case()
          .when("role", "=", role)
          .then(eb.ref("epoch"))
          .else(eb("epoch", "+", 1))
          .end(),
      }))
      .where("name", "=", name)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async upgradePasswordHash(name: string, expected: string, passwordHash: string): Promise<boolean> {
    const result = await this.db
      .updateTable("users")
      .set({ password_hash: passwordHash })
      .where("name", "=", name)
      .where("password_hash", "=", expected)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom("users").where("name", "=", name).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async list(): Promise<PublicUser[]> {
    const rows = await this.db.selectFrom("users").select(["name", "role", "created_at"]).execute();
    return rows
      .map((r) => ({ name: r.name, role: r.role as Role, createdAt: r.created_at }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
