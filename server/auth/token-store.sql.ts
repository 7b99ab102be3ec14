import { sql, type Kysely, type Selectable } from "kysely";
import type { SqlDatabase } from "../db/open";
import type { ApiTokensTable, Database } from "../db/schema";
import { insertAudit, type AuditRecord } from "../audit/audit-log";
import { writeTransaction } from "../db/transaction";
import { MAX_TOKENS_PER_USER, TooManyTokensError, type TokenRecord, type TokenStore } from "./token-store";

/** How many keys one `IN (...)` read carries at most. */
const READ_CHUNK = 500;

const toRecord = (row: Selectable<ApiTokensTable>): TokenRecord => ({
  id: row.id,
  name: row.name,
  owner: row.owner,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
});

/** API token records in the SQL system of record; expired rows are never returned and are deleted as met. */
export class SqlTokenStore implements TokenStore {
  constructor(
    private readonly database: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  private async pruneExpired(db: Kysely<Database>): Promise<void> {
    await db.deleteFrom("api_tokens").where("expires_at", "<=", this.now()).execute();
  }

  async create(record: TokenRecord, audit?: AuditRecord): Promise<void> {
    await writeTransaction(this.database, async (tx) => {
      // Creations for one owner take turns, so that two at once cannot both pass the cap (SQLite's write lock
      // already serializes every transaction).
      if (this.database.dialect === "postgres")
        await sql`select pg_advisory_xact_lock(hashtext(${`api_tokens:${record.owner}`}))`.execute(tx);
      await this.pruneExpired(tx);
      const { held } = await tx
        .selectFrom("api_tokens")
        .select((eb) => eb.fn.countAll<number>().as("held"))
        .where("owner", "=", record.owner)
        .executeTakeFirstOrThrow();
      if (Number(held) >= MAX_TOKENS_PER_USER) throw new TooManyTokensError();
      await tx
        .insertInto("api_tokens")
        .values({
          id: record.id,
          name: record.name,
          owner: record.owner,
          created_at: record.createdAt,
          expires_at: record.expiresAt,
          last_used_at: record.lastUsedAt,
        })
        .execute();
      if (audit) await insertAudit(tx, audit, this.now);
    });
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db
      .selectFrom("api_tokens")
      .selectAll()
      .where("id", "=", id)
      .where("expires_at", ">", this.now())
      .executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, TokenRecord>> {
    const found = new Map<string, TokenRecord>();
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      const rows = await this.db
        .selectFrom("api_tokens")
        .selectAll()
        .where("id", "in", ids.slice(i, i + READ_CHUNK))
        .where("expires_at", ">", this.now())
        .execute();
      for (const row of rows) found.set(row.id, toRecord(row));
    }
    return found;
  }

  async listFor(owner: string): Promise<TokenRecord[]> {
    const rows = await this.db
      .selectFrom("api_tokens")
      .selectAll()
      .where("owner", "=", owner)
      .where("expires_at", ">", this.now())
      .orderBy("created_at", "desc")
      .orderBy("id")
      .execute();
    return rows.map(toRecord);
  }

  async revoke(id: string, audit?: AuditRecord): Promise<TokenRecord | undefined> {
    const row = await writeTransaction(this.database, async (tx) => {
      const deleted = await tx
        .deleteFrom("api_tokens")
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      if (deleted && deleted.expires_at > this.now() && audit) await insertAudit(tx, audit, this.now);
      return deleted;
    });
    await this.pruneExpired(this.db);
    return row && row.expires_at > this.now() ? toRecord(row) : undefined;
  }

  async revokeAllFor(owner: string, audit: AuditRecord): Promise<number> {
    return writeTransaction(this.database, async (tx) => {
      await this.pruneExpired(tx);
      const result = await tx.deleteFrom("api_tokens").where("owner", "=", owner).executeTakeFirst();
      const count = Number(result.numDeletedRows);
      if (count > 0) await insertAudit(tx, { ...audit, details: { ...audit.details, count } }, this.now);
      return count;
    });
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db
      .updateTable("api_tokens")
      .set({
        last_used_at: sql<number>`case when last_used_at is null or last_used_at < ${at} then ${at} else last_used_at end`,
      })
      .where("id", "=", id)
      .execute();
  }
}
