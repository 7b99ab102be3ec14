import { sql, type Kysely } from "kysely";
import { insertAudit, type AuditRecord } from "../audit/audit-log";
import type { SqlDatabase } from "../db/open";
import type { Database } from "../db/schema";
import { writeTransaction } from "../db/transaction";
import { limitSettings, storedLimit, type LimitSettings, type LimitStore } from "./limits";

/** The setting that holds the runtime default, in `settings`. */
const DEFAULT_SETTING = "connections.default";

/** At most this many users' limits are read in one query. */
const BATCH_MAX = 500;

interface PendingRead {
  users: Map<string, { resolve(limit: number): void; reject(err: unknown): void }[]>;
}

/**
 * Connection limits in the SQL system of record: the runtime default in `settings`, overrides per user.
 *
 * `limitFor` sits on every socket's handshake. The reads asked for within one turn of the event loop, or while
 * the previous batch is in flight (a burst of handshakes), go out together, as one query for their users'
 * overrides and the default; each read still starts after it was asked for, so a change made before an admission
 * applies to it.
 */
export class SqlLimitStore implements LimitStore {
  /** Batches not yet sent, oldest first; the last one takes new reads. */
  private readonly waiting: PendingRead[] = [];
  private reading = false;

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

  limitFor(user: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let batch = this.waiting.at(-1);
      if (!batch || batch.users.size >= BATCH_MAX) this.waiting.push((batch = { users: new Map() }));
      const asked = batch.users.get(user);
      if (asked) asked.push({ resolve, reject });
      else batch.users.set(user, [{ resolve, reject }]);
      if (!this.reading) {
        // The reads asked in this turn of the event loop go with this one.
        this.reading = true;
        setImmediate(() => this.readNext());
      }
    });
  }

  /** One batch in flight at a time: the reads asked meanwhile wait for it, then go out together. */
  private readNext(): void {
    const batch = this.waiting.shift();
    if (!batch) {
      this.reading = false;
      return;
    }
    void this.readBatch(batch).finally(() => this.readNext());
  }

  private async readBatch(batch: PendingRead): Promise<void> {
    try {
      // One statement for the users' overrides and the default: one round trip per batch. The settings row is the
      // one with no user name.
      const rows = await this.db
        .selectFrom("connection_limits")
        .select([
          sql<string | null>`user_name`.as("user_name"),
          sql<string>`cast(max_connections as text)`.as("value"),
        ])
        .where("user_name", "in", [...batch.users.keys()])
        .unionAll(
          this.db
            .selectFrom("settings")
            .select([sql<string | null>`null`.as("user_name"), "value"])
            .where("name", "=", DEFAULT_SETTING),
        )
        .execute();
      let fallback = this.configDefault;
      const overrides = new Map<string, number | undefined>();
      for (const row of rows) {
        if (row.user_name === null) fallback = storedLimit(row.value) ?? this.configDefault;
        else overrides.set(row.user_name, storedLimit(row.value));
      }
      for (const [user, waiting] of batch.users) {
        const limit = overrides.get(user) ?? fallback;
        for (const w of waiting) w.resolve(limit);
      }
    } catch (err) {
      for (const waiting of batch.users.values()) for (const w of waiting) w.reject(err);
    }
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
