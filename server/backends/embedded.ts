import { mkdir } from "node:fs/promises";
import { SqlAuditLog } from "../audit/audit-log";
import { SqlTokenStore } from "../auth/token-store.sql";
import { SqlUserStore } from "../auth/user-store.sql";
import { SqlBoardStore } from "../boards/store.sql";
import type { Config } from "../config/config";
import { importFileData, summarizeImport } from "../db/import-files";
import { openDatabase, type SqlDatabase } from "../db/open";
import { SqlSeedMarks } from "../demo/seeds";
import type { Logger } from "../logging/logger";
import { MemorySnapshotTransport } from "../metrics/transport";
import { SqlNotificationStore } from "../notifications/store.sql";
import { MemoryPresenceStore } from "../presence/store.memory";
import { MemoryQuotaStore } from "../quotas/store.memory";
import { SqlLimitStore } from "../registry/limits.sql";
import { MemoryConnectionRegistry } from "../registry/registry.memory";
import { SqlBlobStore } from "../tasks/blobs.sql";
import { MemoryTaskQueue } from "../tasks/queue.memory";
import { RecordedTaskQueue } from "../tasks/queue.recorded";
import { SqlTaskRecords } from "../tasks/records.sql";
import { databaseStatus } from "./database-health";
import type { Backends, FeatureStores } from "./types";

export type EmbeddedConfig = Pick<Config, "dataDir" | "instanceLeaseMs" | "maxConnectionsPerUser"> & {
  database?: Pick<Config["database"], "historyRevisions">;
};

function openEmbeddedStores(config: EmbeddedConfig, database: SqlDatabase, logger: Logger): FeatureStores {
  return {
    boards: new SqlBoardStore(database, { logger, logRetention: config.database?.historyRevisions }),
    notifications: new SqlNotificationStore(database),
    presence: new MemoryPresenceStore(),
    quotas: new MemoryQuotaStore(),
    registry: new MemoryConnectionRegistry(config.instanceLeaseMs),
    limits: new SqlLimitStore(database, config.maxConnectionsPerUser),
    blobs: new SqlBlobStore(database),
    seeds: new SqlSeedMarks(database),
    taskQueue: (listener) =>
      RecordedTaskQueue.open({
        records: new SqlTaskRecords(database),
        listener,
        logger,
        transport: async (recorded) => new MemoryTaskQueue(recorded, logger),
      }),
    snapshots: () => new MemorySnapshotTransport(),
  };
}

/**
 * One process: the system of record in SQLite (`DATA_DIR/pulseboard.db`, one connection for the whole process),
 * presence and the registry in memory, the in-memory Socket.IO adapter. At the first start on a data folder of the
 * previous version, its JSON files are imported into the database (once; see `importFileData`).
 */
export async function createEmbeddedBackends(config: EmbeddedConfig, logger: Logger): Promise<Backends> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const database = await openDatabase({ dataDir: config.dataDir }, { logger });
  try {
    const summary = await importFileData(database, config.dataDir);
    if (summary.steps > 0) logger.info({ imported: summary }, summarizeImport(summary, database.where));
  } catch (err) {
    await database.close();
    throw err;
  }
  let stores: FeatureStores | undefined;
  let closed = false;
  return {
    mode: "embedded",
    users: new SqlUserStore(database),
    tokens: new SqlTokenStore(database),
    audit: new SqlAuditLog(database),
    database,
    stores: async () => (stores ??= openEmbeddedStores(config, database, logger)),
    onAdapterReconnect: () => {},
    redisStatus: () => "disabled",
    health: async () => ({ redis: "disabled", database: await databaseStatus(database, 1_000) }),
    close: async () => {
      if (closed) return;
      closed = true;
      await stores?.boards.close();
      await database.close();
    },
  };
}
