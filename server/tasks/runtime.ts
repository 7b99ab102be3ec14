import type { BoardService } from "../boards/service";
import type { Config } from "../config/config";
import type { Logger } from "../logging/logger";
import type { NotificationService } from "../notifications/service";
import type { Broadcaster } from "../realtime/broadcaster";
import { createRedisClient, type RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { Quotas } from "../quotas/quotas";
import { MemoryQuotaStore } from "../quotas/store.memory";
import { RedisQuotaStore } from "../quotas/store.redis";
import { AccountedBlobStore, FileBlobStore, RedisBlobStore, type BlobStore } from "./blobs";
import { taskListener } from "./listener";
import { createProcessor } from "./processors";
import type { TaskProcessor, TaskQueue } from "./queue";
import { BullTaskQueue } from "./queue.bullmq";
import { MemoryTaskQueue } from "./queue.memory";

export interface TaskRuntimeDeps {
  config: Config;
  logger: Logger;
  redis?: { command: RedisClient; keys: RedisKeys };
  boards: BoardService;
  notifications: Pick<NotificationService, "notifyQuietly">;
  broadcaster: Broadcaster;
  /** The web instance's quotas; a worker process counts in Redis through its own. */
  quotas?: Quotas;
}

export interface TaskRuntime {
  queue: TaskQueue;
  blobs: BlobStore;
  processor: TaskProcessor;
  /** Closes the queue and stops removing expired blobs. */
  close(): Promise<void>;
}

const BLOB_SWEEP_MS = 3600_000;

/** The queue, blob store and processor, the same for a web instance and a worker process. */
export async function createTaskRuntime(deps: TaskRuntimeDeps): Promise<TaskRuntime> {
  const { config, logger, redis } = deps;
  const listener = taskListener({ broadcaster: deps.broadcaster, notifications: deps.notifications });
  // Redis expires blobs by itself; files are swept now and hourly.
  const stored = redis ? new RedisBlobStore(redis.command, redis.keys) : new FileBlobStore(config.dataDir);
  const quotas =
    deps.quotas ??
    new Quotas({
      store: redis ? new RedisQuotaStore(redis.command, redis.keys) : new MemoryQuotaStore(),
      limits: config.quotas,
    });
  const blobs: BlobStore = new AccountedBlobStore(stored, quotas);
  let sweeper: NodeJS.Timeout | undefined;
  if (stored instanceof FileBlobStore) {
    const sweep = () => {
      stored.sweep().catch((err: unknown) => logger.warn({ err }, "could not remove expired blobs"));
    };
    sweep();
    sweeper = setInterval(sweep, BLOB_SWEEP_MS).unref();
  }
  const target = { url: config.redis.url, clusterNodes: config.redis.clusterNodes };
  let blocking = 0;
  const queue: TaskQueue = redis
    ? new BullTaskQueue({
        redis: redis.command,
        blockingClient: () =>
          createRedisClient(target, `pb:${config.instanceId}:tasks${++blocking}`, "blocking", logger),
        keys: redis.keys,
        listener,
        logger,
        lockMs: config.tasks.lockMs,
      })
    : await MemoryTaskQueue.open(config.dataDir, listener, logger);
  const processor = createProcessor({
    boards: deps.boards,
    blobs,
    broadcaster: deps.broadcaster,
    importBatchSize: config.tasks.importBatchSize,
    importBatchesPerSecond: config.tasks.importBatchesPerSecond,
    importMaxRows: config.tasks.importMaxRows,
  });
  return {
    queue,
    blobs,
    processor,
    async close() {
      clearInterval(sweeper);
      await queue.close();
    },
  };
}
