import { Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import {
  widgetOfRequest,
  type TaskError,
  type TaskInfo,
  type TaskRequest,
  type TaskResult,
  type TaskStatus,
} from "@/lib/protocol/tasks";
import type { Logger } from "../logging/logger";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import {
  RETRY,
  newTaskId,
  TaskCancelled,
  TaskFailure,
  type TaskCounts,
  type TaskListener,
  type TaskProcessor,
  type WorkerHandle,
} from "./queue";
import type { TaskTransport } from "./queue.recorded";

export const QUEUE_NAME = "tasks";
export const CANCELLED = "__cancelled__";
const TOMBSTONE_TTL_S = 7 * 24 * 3600;
const OWNER_INDEX_KEPT = 100;

export interface JobData {
  owner: string;
  title: string;
  request: TaskRequest;
}

interface Progress {
  percent: number;
  message?: string;
}

export interface BullTaskQueueOptions {
  /** Commands: owner index, cancel flags, and the Queue itself. */
  redis: RedisClient;
  /** Creates a client for a worker's blocking commands (never times out). */
  blockingClient: () => RedisClient;
  keys: RedisKeys;
  listener: TaskListener;
  logger: Logger;
  /** How long a job's lock lives; a killed worker's job runs elsewhere after about this long. */
  lockMs?: number;
}

/** BullMQ's job states as ours; `failed` is told apart from `cancelled` by the failure reason in `info`. */
function stateToStatusHint(state: string): TaskStatus {
  if (state === "completed" || state === "failed") return state;
  if (state === "active") return "running";
  return "queued";
}

function errorOf(reason: string | undefined): TaskError {
  if (reason?.startsWith("{")) {
    try {
      return JSON.parse(reason) as TaskError;
    } catch {
      // fall through: a plain message that happens to start with a brace
    }
  }
  return { message: reason ?? "failed", retryable: true };
}

/** What a task's BullMQ job holds, as `taskOfJob` reads it (a `Job`, or a job's hash read by `import-redis.ts`). */
export type JobFields = Pick<
  Job<JobData, TaskResult>,
  | "data"
  | "progress"
  | "attemptsMade"
  | "timestamp"
  | "finishedOn"
  | "processedOn"
  | "failedReason"
  | "returnvalue"
> & { id?: string; attemptsStarted?: number; opts: { attempts?: number } };

/** A task as its job and the job's state (BullMQ's, or ours when known) say it is. */
export function taskOfJob(job: JobFields, state: string): TaskInfo {
  let status: TaskStatus;
  if (state === "active" || state === "running") status = "running";
  else if (state === "completed") status = "completed";
  else if (state === "failed") status = job.failedReason === CANCELLED ? "cancelled" : "failed";
  else status = "queued";
  const progress = (
    typeof job.progress === "object" ? (job.progress as Progress) : { percent: Number(job.progress) || 0 }
  ) as Progress;
  const task: TaskInfo = {
    id: job.id!,
    kind: job.data.request.kind,
    owner: job.data.owner,
    title: job.data.title,
    boardId: job.data.request.boardId,
    widgetId: widgetOfRequest(job.data.request),
    status,
    progress: status === "completed" ? 100 : Math.round(progress.percent ?? 0),
    attempts: Math.max(job.attemptsStarted ?? 0, job.attemptsMade),
    maxAttempts: job.opts.attempts ?? RETRY.attempts,
    createdAt: job.timestamp,
    updatedAt: job.finishedOn ?? job.processedOn ?? job.timestamp,
  };
  if (progress.message && status !== "completed") task.message = progress.message;
  if (status === "queued" && job.attemptsMade > 0)
    task.message = `attempt ${job.attemptsMade} failed; retrying`;
  if (status === "failed") task.error = errorOf(job.failedReason);
  if (status === "cancelled") task.message = "cancelled";
  if (status === "completed") task.result = job.returnvalue;
  return task;
}

/**
 * Redis mode: BullMQ. Every key carries the `{tasks}` hash tag (through the queue prefix), so the queue works on
 * a Redis Cluster. Processors must be idempotent: a job whose lock expires (worker killed, Redis away for more
 * than the lock) runs again elsewhere.
 */
export class BullTaskQueue implements TaskTransport {
  private readonly queue: Queue<JobData, TaskResult>;
  private readonly prefix: string;
  private readonly workers: Worker<JobData, TaskResult>[] = [];

  constructor(private readonly opts: BullTaskQueueOptions) {
    this.prefix = `${opts.keys.prefix}:{tasks}`;
    this.queue = new Queue<JobData, TaskResult>(QUEUE_NAME, {
      connection: opts.redis,
      prefix: this.prefix,
      defaultJobOptions: {
        attempts: RETRY.attempts,
        backoff: { type: "exponential", delay: RETRY.baseDelayMs },
        removeOnComplete: { age: 7 * 24 * 3600, count: 1_000 },
        removeOnFail: { age: 30 * 24 * 3600, count: 5_000 },
      },
    });
    this.queue.on("error", (err) => opts.logger.warn({ err: err.message }, "task queue error"));
  }

  private cancelKey(id: string) {
    return this.opts.keys.key("tasks", `cancel:${id}`);
  }
  private tombstoneKey(id: string) {
    return this.opts.keys.key("tasks", `cancelled:${id}`);
  }
  private ownerKey(owner: string) {
    return this.opts.keys.key(`u:${owner}`, "tasks");
  }

  private async info(job: Job<JobData, TaskResult>, known?: TaskStatus): Promise<TaskInfo> {
    return taskOfJob(job, known ?? (await job.getState()));
  }

  async enqueue(
    owner: string,
    title: string,
    request: TaskRequest,
    opts: { id?: string } = {},
  ): Promise<TaskInfo> {
    const id = opts.id ?? newTaskId();
    const job = await this.queue.add(request.kind, { owner, title, request }, { jobId: id });
    await this.opts.redis.zadd(this.ownerKey(owner), job.timestamp, id);
    await this.opts.redis.zremrangebyrank(this.ownerKey(owner), 0, -OWNER_INDEX_KEPT - 1);
    const task = await this.info(job, "queued");
    this.opts.listener(task);
    return task;
  }

  async get(taskId: string): Promise<TaskInfo | undefined> {
    // State first, then the job: a job read before it finished could pair "completed" with no result yet.
    const state = await this.queue.getJobState(taskId);
    const job = state === "unknown" ? undefined : await this.queue.getJob(taskId);
    if (job) return this.info(job, stateToStatusHint(state));
    const tomb = await this.opts.redis.get(this.tombstoneKey(taskId));
    return tomb ? (JSON.parse(tomb) as TaskInfo) : undefined;
  }

  async listFor(owner: string, limit: number): Promise<TaskInfo[]> {
    const ids = await this.opts.redis.zrevrange(this.ownerKey(owner), 0, limit - 1);
    const tasks = await Promise.all(ids.map((id) => this.get(id)));
    return tasks.filter((t): t is TaskInfo => t !== undefined);
  }

  async cancel(taskId: string): Promise<TaskInfo | undefined> {
    const job = await this.queue.getJob(taskId);
    if (!job) return this.get(taskId);
    const state = await job.getState();
    if (state === "completed" || state === "failed") return this.info(job, state);
    await this.opts.redis.set(this.cancelKey(taskId), "1", "EX", 3600);
    if (state === "active") return this.info(job, "running");
    // Not started: remove it, and keep a record so that it still shows as cancelled.
    const task = {
      ...(await this.info(job, "queued")),
      status: "cancelled" as const,
      message: "cancelled",
      updatedAt: Date.now(),
    };
    await job.remove();
    await this.opts.redis.set(
      this.tombstoneKey(taskId),
      JSON.stringify({ ...task, request: job.data.request }),
      "EX",
      TOMBSTONE_TTL_S,
    );
    this.opts.listener(task);
    return task;
  }

  async retry(taskId: string, patch?: Partial<TaskRequest>): Promise<TaskInfo | undefined> {
    await this.opts.redis.del(this.cancelKey(taskId));
    const job = await this.queue.getJob(taskId);
    if (!job) {
      const tomb = await this.opts.redis.get(this.tombstoneKey(taskId));
      if (!tomb) return undefined;
      const old = JSON.parse(tomb) as TaskInfo & { request: TaskRequest };
      await this.opts.redis.del(this.tombstoneKey(taskId));
      const request = { ...old.request, ...patch } as TaskRequest;
      const again = await this.queue.add(
        request.kind,
        { owner: old.owner, title: old.title, request },
        { jobId: taskId },
      );
      const task = await this.info(again, "queued");
      this.opts.listener(task);
      return task;
    }
    if ((await job.getState()) !== "failed") return this.info(job);
    if (patch)
      await job.updateData({ ...job.data, request: { ...job.data.request, ...patch } as TaskRequest });
    await job.updateProgress({ percent: 0 });
    // BullMQ keeps no time for a retry, so the job would be dated at its creation, before its failure. Dated
    // just before it is queued again, it sorts after the failure and before the run that a worker starts.
    const at = Date.now();
    // A retry by hand starts a fresh round of automatic attempts, as the embedded queue does; otherwise the task
    // would read "attempt 4 of 3" and get no further automatic retry.
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    const task = { ...(await this.info(job, "queued")), updatedAt: at };
    this.opts.listener(task);
    return task;
  }

  async counts(): Promise<TaskCounts> {
    const c = await this.queue.getJobCounts(
      "waiting",
      "prioritized",
      "active",
      "completed",
      "failed",
      "delayed",
    );
    return {
      queued: (c.waiting ?? 0) + (c.prioritized ?? 0),
      running: c.active ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
      delayed: c.delayed ?? 0,
    };
  }

  async recentFailed(limit: number): Promise<TaskInfo[]> {
    const jobs = await this.queue.getFailed(0, limit - 1);
    return Promise.all(jobs.map((j) => this.info(j, "failed")));
  }

  async runWorker(processor: TaskProcessor, opts: { concurrency: number }): Promise<WorkerHandle> {
    const lockMs = this.opts.lockMs ?? 10_000;
    const worker = new Worker<JobData, TaskResult>(
      QUEUE_NAME,
      async (job) => {
        let percent = 0;
        const running = await this.info(job, "running");
        this.opts.listener(running);
        try {
          return await processor({
            task: running,
            request: job.data.request,
            attempt: job.attemptsStarted ?? job.attemptsMade + 1,
            progress: async (p, message) => {
              if (p <= percent && message === undefined) return;
              percent = Math.max(percent, Math.min(100, Math.round(p)));
              await job.updateProgress({ percent, message });
              this.opts.listener({ ...running, progress: percent, message, updatedAt: Date.now() });
            },
            checkCancelled: async () => {
              if (await this.opts.redis.exists(this.cancelKey(job.id!))) throw new TaskCancelled();
            },
          });
        } catch (err) {
          if (err instanceof TaskCancelled) throw new UnrecoverableError(CANCELLED);
          if (err instanceof TaskFailure) throw new UnrecoverableError(JSON.stringify(err.detail));
          throw err;
        }
      },
      {
        connection: this.opts.blockingClient(),
        prefix: this.prefix,
        concurrency: opts.concurrency,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        maxStalledCount: 2,
      },
    );
    worker.on("error", (err) => this.opts.logger.warn({ err: err.message }, "task worker error"));
    // The event says what happened; reading the state again could see a later change (a retry already queued).
    const report = (job: Job<JobData, TaskResult> | undefined, status: TaskStatus) => {
      if (!job) return;
      this.info(job, status)
        .then((task) => this.opts.listener(task))
        .catch((err: unknown) => this.opts.logger.warn({ err }, "task state unavailable"));
    };
    worker.on("completed", (job) => report(job, "completed"));
    // A final failure has `finishedOn`; otherwise the job waits for its next attempt.
    worker.on("failed", (job) => report(job, job?.finishedOn ? "failed" : "queued"));
    this.workers.push(worker);
    await worker.waitUntilReady();
    return {
      close: async () => {
        await worker.close();
        await worker.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled(
      this.workers.map(async (w) => {
        await w.close();
        await w.disconnect();
      }),
    );
    await this.queue.close();
  }
}
