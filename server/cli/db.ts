// `npm run db:migrate`: brings the configured database (PostgreSQL with DATABASE_URL, else SQLite in DATA_DIR) to
// the newest schema and prints what it applied. The server also migrates at startup; this is for deploy pipelines
// that migrate once before rolling out instances.
// `npm run db:backup -- FILE`: a consistent online copy of the SQLite database in FILE, taken while the server
// runs (SQLite's backup API). For PostgreSQL it names the tool to use instead (pg_dump).
// `npm run db:import`: imports the JSON files that the previous version kept in DATA_DIR into the configured
// database, once (the embedded server does it at startup by itself), and prints a summary.
import { ConfigError, loadConfig } from "../config/config";
import { importFileData, summarizeImport } from "../db/import-files";
import { appliedVersions, migrateToLatest, openDatabase } from "../db/open";
import { createLogger } from "../logging/logger";
import { parseCliArgs } from "./args";

const USAGE = `usage:
  npm run db:migrate          (tsx server/cli/db.ts migrate)
  npm run db:import           (tsx server/cli/db.ts import)
  npm run db:backup -- FILE   (tsx server/cli/db.ts backup FILE)
  tsx server/cli/db.ts status`;

const COMMANDS = new Set(["migrate", "import", "status", "backup"]);

async function main() {
  const { positionals } = parseCliArgs(process.argv.slice(2), {});
  const [command, ...rest] = positionals;
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
      console.log(summarizeImport(await importFileData(database, config.dataDir), database.where));
    } else {
      const versions = await appliedVersions(database);
      console.log(`${database.where}: ${versions.length === 0 ? "empty" : `at ${versions.at(-1)}`}`);
    }
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : (err as Error).message;
  console.error(message.startsWith("usage") ? message : `db: ${message}`);
  process.exit(1);
});
