import { mkdir } from "node:fs/promises";
import { FileTokenStore } from "../auth/token-store.file";
import { FileUserStore } from "../auth/user-store.file";
import { FileBoardStore } from "../boards/store.file";
import type { Config } from "../config/config";
import { FileSeedMarks } from "../demo/seeds";
import type { Logger } from "../logging/logger";
import { MemorySnapshotTransport } from "../metrics/transport";
import { FileNotificationStore } from "../notifications/store.file";
import { MemoryPresenceStore } from "../presence/store.memory";
import { MemoryQuotaStore } from "../quotas/store.memory";
import { FileLimitStore } from "../registry/limits.file";
import { MemoryConnectionRegistry } from "../registry/registry.memory";
import { FileBlobStore } from "../tasks/blobs";
import { MemoryTaskQueue } from "../tasks/queue.memory";
import type { Backends, FeatureStores } from "./types";

export type EmbeddedConfig = Pick<Config, "dataDir" | "instanceLeaseMs" | "maxConnectionsPerUser">;

async function openEmbeddedStores(config: EmbeddedConfig, logger: Logger): Promise<FeatureStores> {
  const { dataDir } = config;
  return {
    boards: await FileBoardStore.open(dataDir),
    notifications: new FileNotificationStore(dataDir),
    presence: new MemoryPresenceStore(),
    quotas: new MemoryQuotaStore(),
    registry: new MemoryConnectionRegistry(config.instanceLeaseMs),
    limits: new FileLimitStore(dataDir, config.maxConnectionsPerUser),
    blobs: new FileBlobStore(dataDir),
    seeds: new FileSeedMarks(dataDir),
    taskQueue: (listener) => MemoryTaskQueue.open(dataDir, listener, logger),
    snapshots: () => new MemorySnapshotTransport(),
  };
}

/** One process, stores in memory and under the data folder, the in-memory Socket.IO adapter. */
export async function createEmbeddedBackends(config: EmbeddedConfig, logger: Logger): Promise<Backends> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  let stores: Promise<FeatureStores> | undefined;
  return {
    mode: "embedded",
    users: new FileUserStore(config.dataDir),
    tokens: new FileTokenStore(config.dataDir),
    stores: () => (stores ??= openEmbeddedStores(config, logger)),
    onAdapterReconnect: () => {},
    redisStatus: () => "disabled",
    health: async () => ({ redis: "disabled" }),
    close: async () => {
      const opened = stores;
      stores = undefined;
      await (await opened?.catch(() => undefined))?.boards.close();
    },
  };
}
