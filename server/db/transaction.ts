import { sql, type Kysely } from "kysely";
import type { SqlDatabase } from "./open";
import type { Database } from "./schema";

/**
 * Runs `fn` in one write transaction and commits, or rolls back when it throws.
 *
 * SQLite: `BEGIN IMMEDIATE` takes the write lock up front (waiting up to busy_timeout for another process), so a
 * transaction that reads and then writes never fails half-way on a lock upgrade. PostgreSQL: READ COMMITTED; the
 * callers take the row locks they need (`UPDATE ... WHERE rev = ?`).
 */
export async function writeTransaction<T>(
  database: SqlDatabase,
  fn: (tx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (database.dialect === "postgres") return database.db.transaction().execute(fn);
  return database.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      // After a failed statement or a failed COMMIT alike, the connection must leave the transaction.
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

/**
 * Whether `err` is a unique or primary-key violation: PostgreSQL's 23505, SQLite's SQLITE_CONSTRAINT_UNIQUE or
 * SQLITE_CONSTRAINT_PRIMARYKEY.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
