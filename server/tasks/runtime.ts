import type { FeatureStores } from "../backends/types";
import type { BoardService } from "../boards/service";
import type { Config } from "../config/config";
import type { Logger } from "../logging/logger";
import type { NotificationService } from "../notifications/service";
import type { Broadcaster } from "../realtime/broadcaster";
import { Quotas } from "../quotas/quotas";
import { AccountedBlobStore, type BlobStore } from "./blobs";
import { taskListener } from "./listener";
import { createProcessor } from "./processors";
import type { TaskProcessor, TaskQueue } from "./queue";

export interface TaskRuntimeDeps {
  config: Config;
  logger: Logger;
  /** The backend's stores: the queue, the blobs and (for a worker) the quota counters come from here. */
  stores: Pick<FeatureStores, "blobs" | "quotas" | "taskQueue">;
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
  const { config, logger, stores } = deps;
  const listener = taskListener({ broadcaster: deps.broadcaster, notifications: deps.notifications });
  // Redis expires blobs by itself; files and SQL rows are swept now and hourly.
  const stored = stores.blobs;
  const quotas = deps.quotas ?? new Quotas({ store: stores.quotas, limits: config.quotas });
  const blobs: BlobStore = new AccountedBlobStore(stored, quotas);
  let sweeper: NodeJS.Timeout | undefined;
  const sweepStored = stored.sweep?.bind(stored);
  if (sweepStored) {
    const sweep = () => {
      sweepStored().catch((err: unknown) => logger.warn({ err }, "could not remove expired blobs"));
    };
    sweep();
    sweeper = setInterval(sweep, BLOB_SWEEP_MS).unref();
  }
  const queue = await stores.taskQueue(listener);
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
