import type { Kysely } from "kysely";
import { insertAudit, type AuditRecord } from "../audit/audit-log";
import type { SqlDatabase } from "../db/open";
import type { Database } from "../db/schema";
import { writeTransaction } from "../db/transaction";
import { limitSettings, storedLimit, type LimitSettings, type LimitStore } from "./limits";

/** The setting that holds the runtime default, in `settings`. */
const DEFAULT_SETTING = "connections.default";

/** Connection limits in the SQL system of record: the runtime default in `settings`, overrides per user. */
export class SqlLimitStore implements LimitStore {
  constructor(
    private readonly database: SqlDatabase,
    private readonly configDefault: number,
  ) {}

  private get db() {
    return this.database.db;
  }

  private async rawDefault(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("settings")
      .select("value")
      .where("name", "=", DEFAULT_SETTING)
      .executeTakeFirst();
    return row?.value;
  }

  async limitFor(user: string): Promise<number> {
    const row = await this.db
      .selectFrom("connection_limits")
      .select("max_connections")
      .where("user_name", "=", user)
      .executeTakeFirst();
    return storedLimit(row?.max_connections) ?? storedLimit(await this.rawDefault()) ?? this.configDefault;
  }

  async settings(): Promise<LimitSettings> {
    const rows = await this.db
      .selectFrom("connection_limits")
      .select(["user_name", "max_connections"])
      .orderBy("user_name")
      .execute();
    return limitSettings(
      this.configDefault,
      await this.rawDefault(),
      rows.map((r): [string, unknown] => [r.user_name, r.max_connections]),
    );
  }

  /** Runs `change`, with the audit entry in the same transaction. */
  private async write(change: (db: Kysely<Database>) => Promise<unknown>, audit: AuditRecord): Promise<void> {
    await writeTransaction(this.database, async (tx) => {
      await change(tx);
      await insertAudit(tx, audit);
    });
  }

  async setDefault(limit: number | null, audit: AuditRecord): Promise<void> {
    await this.write(async (db) => {
      if (limit === null) {
        await db.deleteFrom("settings").where("name", "=", DEFAULT_SETTING).execute();
        return;
      }
      await db
        .insertInto("settings")
        .values({ name: DEFAULT_SETTING, value: String(limit) })
        .onConflict((oc) => oc.column("name").doUpdateSet({ value: String(limit) }))
        .execute();
    }, audit);
  }

  async setUser(user: string, limit: number | null, audit: AuditRecord): Promise<void> {
    await this.write(async (db) => {
      if (limit === null) {
        await db.deleteFrom("connection_limits").where("user_name", "=", user).execute();
        return;
      }
      await db
        .insertInto("connection_limits")
        .values({ user_name: user, max_connections: limit })
        .onConflict((oc) => oc.column("user_name").doUpdateSet({ max_connections: limit }))
        .execute();
    }, audit);
  }
}
