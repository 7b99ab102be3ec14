import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import type { Logger } from "../logging/logger";
import { InCodeMigrationProvider, type Dialect } from "./migrations";
import type { Database } from "./schema";

export type { Dialect };

export interface DatabaseConfig {
  /** `postgres://...` (`DATABASE_URL`): PostgreSQL. Unset: SQLite in `dataDir`. */
  url?: string;
  /** The data folder (`DATA_DIR`); the SQLite file lives here. */
  dataDir: string;
  /** The SQLite file's name in `dataDir`. */
  file?: string;
  /** PostgreSQL connections this process may hold. */
  poolSize?: number;
  /** How long a SQLite write waits for another process's (e.g. `npm run db:migrate`) to finish. */
  busyTimeoutMs?: number;
}

export interface OpenOptions {
  /** Bring the schema to the newest version before returning (the default); the CLI migrates by itself. */
  migrate?: boolean;
  logger?: Logger;
}

/** An open database: the query builder, which dialect it speaks, and an idempotent `close`. */
export interface SqlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where it is, for logs and errors: the SQLite path, or the PostgreSQL URL without its password. */
  readonly where: string;
  /**
   * SQLite only: a consistent copy of the whole database in `file`, taken online with SQLite's backup API while
   * the server keeps writing. PostgreSQL is backed up with its own tools (`pg_dump`, see docs/DEPLOY.md).
   */
  backup?(file: string): Promise<void>;
  close(): Promise<void>;
}

export const SQLITE_FILE = "pulseboard.db";
const PG_INT8 = 20;

/** A URL fit for logs: the password is replaced. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/**
 * Opens the system of record: PostgreSQL when `config.url` is set, else SQLite in the data folder. Fails fast, in
 * one line, when PostgreSQL cannot be reached; then migrates to the newest schema unless told not to.
 *
 * SQLite is one process's database (embedded mode), used through one connection: better-sqlite3 waits for a lock
 * by blocking the thread, so a second connection in the same process must never wait on the first's transaction.
 * Another process (`npm run db:migrate`) waits up to `busyTimeoutMs`.
 *
 * Durability: a commit returns only once it is durable.
 * - SQLite: WAL with `synchronous=FULL` syncs the WAL at every commit, so a committed transaction survives a
 *   process crash, an OS crash and a power loss (on a disk that honours fsync).
 * - PostgreSQL: with `synchronous_commit` on (the default; a warning is logged at open when it is off) a commit is
 *   in the server's WAL on disk before it returns: it survives a crash of the process, the database server or its
 *   host. Whether it also waits for a standby is the operator's replication setting.
 */
export async function openDatabase(config: DatabaseConfig, opts: OpenOptions = {}): Promise<SqlDatabase> {
  const database = config.url ? await openPostgres(config, opts.logger) : openSqlite(config);
  if (opts.migrate ?? true) {
    try {
      await migrateToLatest(database);
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return database;
}

function closer(db: Kysely<Database>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= db.destroy());
}

function openSqlite(config: DatabaseConfig): SqlDatabase {
  mkdirSync(config.dataDir, { recursive: true });
  const path = join(config.dataDir, config.file ?? SQLITE_FILE);
  const native = new SQLite(path);
  try {
    native.pragma("journal_mode = WAL");
    native.pragma("synchronous = FULL");
    native.pragma(`busy_timeout = ${Math.trunc(config.busyTimeoutMs ?? 5_000)}`);
    native.pragma("foreign_keys = ON");
  } catch (err) {
    native.close();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: native }) });
  const backup = async (file: string) => {
    await native.backup(file);
  };
  return { db, dialect: "sqlite", where: path, backup, close: closer(db) };
}

async function openPostgres(config: DatabaseConfig, logger?: Logger): Promise<SqlDatabase> {
  const url = config.url!;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error("DATABASE_URL: expected a postgres:// URL");
  const where = redactUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: config.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    // BIGINT columns hold epoch ms and sequence numbers, well inside 2^53: read them as numbers, as SQLite does.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === PG_INT8 && format !== "binary"
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client whose server went away emits here; without a listener that is an uncaught error.
  pool.on("error", (err) => logger?.warn({ err, database: where }, "idle PostgreSQL connection failed"));
  // So does a client checked out of the pool between two queries (inside a transaction, while the commit's own code
  // runs): the pool listens to idle clients only, and an `error` nobody listens to kills the process. The next
  // query on that client fails, and the pool discards it when it is released.
  pool.on("connect", (client) =>
    client.on("error", (err) => logger?.warn({ err, database: where }, "PostgreSQL connection failed")),
  );
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const close = closer(db);
  try {
    const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db);
    if (rows[0]?.synchronous_commit === "off")
      logger?.warn({ database: where }, "synchronous_commit is off: a crash may lose acknowledged changes");
  } catch (err) {
    await close();
    throw new Error(`DATABASE_URL: cannot reach PostgreSQL at ${where}: ${reasonOf(err)}`, { cause: err });
  }
  return { db, dialect: "postgres", where, close };
}

/** Why a connection failed, in one line: a refused connection to several addresses has no message of its own. */
function reasonOf(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: { message?: string }[] };
  const text = e.message || e.errors?.map((x) => x.message).join("; ") || e.code || String(err);
  return text.replace(/\s+/g, " ").trim();
}

/** Applies the migrations this database lacks; returns their names (none when it was up to date). */
export async function migrateToLatest(database: SqlDatabase): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new InCodeMigrationProvider(database.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "(none)";
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** The versions applied to this database, oldest first. */
export async function appliedVersions(database: SqlDatabase): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new InCodeMigrationProvider(database.dialect) });
  return (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
}
