// `npm run db:migrate`: brings the configured database (PostgreSQL with DATABASE_URL, else SQLite in DATA_DIR) to
// the newest schema and prints what it applied. The server also migrates at startup; this is for deploy pipelines
// that migrate once before rolling out instances.
// `npm run db:backup -- FILE`: a consistent online copy of the SQLite database in FILE, taken while the server
// runs (SQLite's backup API). For PostgreSQL it names the tool to use instead (pg_dump).
// `npm run db:import`: imports the JSON files that the previous version kept in DATA_DIR into the configured
// database, once (the embedded server does it at startup by itself), and prints a summary.
// `npm run db:import -- --from-redis URL [--prefix P]`: imports a Redis database that the previous version used as
// its system of record (boards and their op logs, users, API tokens, notifications, limits, task files and
// records) into the configured database, once, and prints a summary. Redis is only read.
import { ConfigError, loadConfig } from "../config/config";
import { importFileData, importLegacyData, summarizeImport } from "../db/import-files";
import { redisSource } from "../db/import-redis";
import { appliedVersions, migrateToLatest, openDatabase, redactUrl } from "../db/open";
import { createLogger } from "../logging/logger";
import { closeRedis, createRedisClient, waitReady } from "../redis/connection";
import { parseCliArgs } from "./args";
import { progressReporter } from "./progress";

const USAGE = `usage:
  npm run db:migrate          (tsx server/cli/db.ts migrate)
  npm run db:import           (tsx server/cli/db.ts import)
  npm run db:import -- --from-redis URL [--prefix P]
  npm run db:backup -- FILE   (tsx server/cli/db.ts backup FILE)
  tsx server/cli/db.ts status

The database is PostgreSQL with DATABASE_URL, else SQLite in DATA_DIR (default .data).

db:import brings what the previous version kept outside the database into it, once: a second run imports
nothing and says so. Without options it reads the JSON files in DATA_DIR (the embedded server also does this at
its first start). With --from-redis it reads a Redis database that the previous version used as its system of
record: boards with their op logs and opIds, users and roles, API tokens, notifications, connection limits, task
files and task records, under the key prefix P (REDIS_KEY_PREFIX of that version, default "pb"). Redis is only
read. It shows its progress and ends with a summary of what it imported.`;

const COMMANDS = new Set(["migrate", "import", "status", "backup"]);

async function main() {
  const { positionals, values } = parseCliArgs(process.argv.slice(2), {
    "from-redis": { type: "string" },
    prefix: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command, ...rest] = positionals;
  if (command !== "import" && (values["from-redis"] !== undefined || values.prefix !== undefined))
    throw new Error("--from-redis and --prefix go with import");
  if (values.prefix !== undefined && values["from-redis"] === undefined)
    throw new Error("--prefix goes with --from-redis URL");
  if (values.prefix !== undefined && !/^[a-zA-Z0-9_-]{1,32}$/.test(values.prefix))
    throw new Error("--prefix: expected 1-32 letters, digits, _ or -");
  const argCount = command === "backup" ? 1 : 0;
  if (!command || !COMMANDS.has(command) || rest.length !== argCount) throw new Error(USAGE);
  const config = loadConfig();
  const logger = createLogger({ level: "warn", stderr: true });
  const database = await openDatabase(
    { url: config.database.url, dataDir: config.dataDir },
    { migrate: false, logger },
  );
  try {
    if (command === "migrate") {
      const applied = await migrateToLatest(database);
      console.log(
        applied.length === 0
          ? `${database.where}: up to date`
          : `${database.where}: applied ${applied.join(", ")}`,
      );
    } else if (command === "backup") {
      if (!database.backup) {
        throw new Error(
          `${database.where} is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=FILE "$DATABASE_URL"; see docs/DEPLOY.md)`,
        );
      }
      const file = rest[0]!;
      const started = Date.now();
      await database.backup(file);
      console.log(`${database.where}: backed up to ${file} in ${Date.now() - started} ms`);
    } else if (command === "import") {
      await migrateToLatest(database);
      const progress = progressReporter(process.stdout, "import");
      const from = values["from-redis"];
      if (from === undefined) {
        const summary = await importFileData(database, config.dataDir, Date.now, progress);
        console.log(summarizeImport(summary, database.where));
      } else {
        console.log(
          summarizeImport(
            await importFromRedis(database, from, values.prefix ?? "pb", progress),
            database.where,
            `Redis at ${redactUrl(from)}`,
          ),
        );
      }
    } else {
      const versions = await appliedVersions(database);
      console.log(`${database.where}: ${versions.length === 0 ? "empty" : `at ${versions.at(-1)}`}`);
    }
  } finally {
    await database.close();
  }
}

async function importFromRedis(
  database: Parameters<typeof importLegacyData>[0],
  url: string,
  prefix: string,
  progress: ReturnType<typeof progressReporter>,
) {
  if (!/^rediss?:\/\//.test(url)) throw new Error("--from-redis: expected a redis:// or rediss:// URL");
  const logger = createLogger({ level: "error", stderr: true });
  const redis = createRedisClient({ url }, "pb:db-import", "command", logger);
  try {
    try {
      await waitReady(redis, 10_000);
    } catch (err) {
      throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
    }
    return await importLegacyData(database, redisSource(redis, prefix, `Redis at ${redactUrl(url)}`), {
      progress,
    });
  } finally {
    await closeRedis(redis);
  }
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : (err as Error).message;
  console.error(message.startsWith("usage") ? message : `db: ${message}`);
  process.exit(1);
});
