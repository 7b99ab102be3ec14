import { sql, type Kysely, type Selectable } from "kysely";
import type { SqlDatabase } from "../db/open";
import type { Database, UsersTable } from "../db/schema";
import { insertAudit, type AuditRecord } from "../audit/audit-log";
import { isUniqueViolation, writeTransaction } from "../db/transaction";
import {
  UserExistsError,
  type PublicUser,
  type Role,
  type UserCreatedBy,
  type UserRecord,
  type UserStore,
} from "./user-store";

/** How many keys one `IN (...)` read carries at most. */
const READ_CHUNK = 500;

const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  name: row.name,
  role: row.role as Role,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  epoch: row.epoch,
});

/** Users in the SQL system of record (SQLite or PostgreSQL); `users.role` is checked against `roles`. */
export class SqlUserStore implements UserStore {
  constructor(private readonly database: SqlDatabase) {}

  private get db() {
    return this.database.db;
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async getMany(names: readonly string[]): Promise<Map<string, UserRecord>> {
    const found = new Map<string, UserRecord>();
    for (let i = 0; i < names.length; i += READ_CHUNK) {
      const chunk = names.slice(i, i + READ_CHUNK);
      const rows = await this.db.selectFrom("users").selectAll().where("name", "in", chunk).execute();
      for (const row of rows) found.set(row.name, toUser(row));
    }
    return found;
  }

  async create(user: UserRecord, by: UserCreatedBy): Promise<void> {
    try {
      await writeTransaction(this.database, async (tx) => {
        await tx
          .insertInto("users")
          .values({
            name: user.name,
            role: user.role,
            password_hash: user.passwordHash,
            epoch: user.epoch ?? 0,
            created_at: user.createdAt,
          })
          .execute();
        await insertAudit(tx, {
          ...by,
          action: "user.role",
          target: { kind: "user", id: user.name },
          details: { ...by.details, from: null, to: user.role },
        });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new UserExistsError(user.name);
      throw err;
    }
  }

  async setPassword(name: string, passwordHash: string, audit: AuditRecord): Promise<boolean> {
    return writeTransaction(this.database, async (tx) => {
      const result = await tx
        .updateTable("users")
        .set((eb) => ({ password_hash: passwordHash, epoch: eb("epoch", "+", 1) }))
        .where("name", "=", name)
        .executeTakeFirst();
      const changed = result.numUpdatedRows > 0n;
      if (changed) await insertAudit(tx, audit);
      return changed;
    });
  }

  async setRole(name: string, role: Role, audit: AuditRecord): Promise<boolean> {
    return writeTransaction(this.database, async (tx) => {
      const before = await tx.selectFrom("users").select("role").where("name", "=", name).executeTakeFirst();
      if (!before) return false;
      const updated = await this.updateRole(tx, name, role);
      if (updated && before.role !== role)
        await insertAudit(tx, { ...audit, details: { ...audit.details, from: before.role, to: role } });
      return updated;
    });
  }

  private async updateRole(db: Kysely<Database>, name: string, role: Role): Promise<boolean> {
    // One statement: the epoch moves only when the role does.
    const result = await db
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

  async namesStartingWith(prefix: string, limit: number): Promise<string[]> {
    // `%`, `_` and the escape character itself are matched literally; byte order on both databases, so that
    // the limit keeps the same names as a sort in JavaScript would.
    const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const byName = this.database.dialect === "postgres" ? sql`name collate "C"` : sql`name collate binary`;
    const rows = await this.db
      .selectFrom("users")
      .select("name")
      .where(sql<boolean>`name like ${pattern} escape '\\'`)
      .orderBy(byName)
      .limit(limit)
      .execute();
    // SQLite's LIKE ignores case: names are lower case, but a prefix need not be.
    return rows.map((r) => r.name).filter((n) => n.startsWith(prefix));
  }

  async list(): Promise<PublicUser[]> {
    const rows = await this.db.selectFrom("users").select(["name", "role", "created_at"]).execute();
    return rows
      .map((r) => ({ name: r.name, role: r.role as Role, createdAt: r.created_at }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
