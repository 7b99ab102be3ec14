// `npm run db:migrate`: brings the configured database (PostgreSQL with DATABASE_URL, else SQLite in DATA_DIR) to
// the newest schema and prints what it applied. The server also migrates at startup; this is for deploy pipelines
// that migrate once before rolling out instances.
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
  tsx server/cli/db.ts status`;

const COMMANDS = new Set(["migrate", "import", "status"]);

async function main() {
  const { positionals } = parseCliArgs(process.argv.slice(2), {});
  const [command, ...rest] = positionals;
  if (!command || !COMMANDS.has(command) || rest.length > 0) throw new Error(USAGE);
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
