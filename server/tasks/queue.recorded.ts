import type { TaskInfo, TaskRequest } from "@/lib/protocol/tasks";
import type { Logger } from "../logging/logger";
import {
  newTaskId,
  queuedTask,
  type TaskCounts,
  type TaskListener,
  type TaskProcessor,
  type TaskQueue,
  type WorkerHandle,
} from "./queue";
import type { SqlTaskRecords } from "./records.sql";

/** A queue that runs tasks: in-process (embedded) or BullMQ (Redis mode). It may be given the id to use. */
export interface TaskTransport extends TaskQueue {
  enqueue(owner: string, title: string, request: TaskRequest, opts?: { id?: string }): Promise<TaskInfo>;
}

export interface RecordedTaskQueueOptions {
  records: SqlTaskRecords;
  listener: TaskListener;
  logger: Logger;
  /** Opens the transport, which reports every change to the listener it is given. */
  transport(listener: TaskListener): Promise<TaskTransport>;
  /**
   * How often to look for records that the transport no longer holds (Redis mode: a flushed or restarted Redis).
   * Only records unchanged for this long are checked, so a task being enqueued on another instance is left alone.
   * Unset (embedded): checked once at open, since nothing outlives the process there.
   */
  recheckMs?: number;
  now?: () => number;
}

/** What a task that the queue lost says; the user retries it from its record. */
export const LOST_TASK_MESSAGE =
  "this task was interrupted: the server or its queue restarted before it finished; retry it";

const RECHECK_BATCH = 500;
const isFinal = (task: TaskInfo) =>
  task.status === "completed" || task.status === "failed" || task.status === "cancelled";
/** A finished task's record is kept this long, then deleted (checked at open and hourly). */
export const TASK_RECORDS_KEPT_MS = 30 * 24 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

/**
 * Task records in SQL, whatever runs the tasks. The transport runs them; every change it reports is written to the
 * record before it is passed on, and every read (a task, a user's list, counts, failures) comes from the records,
 * so that a task outlives a restart and a Redis `FLUSHALL`.
 *
 * A task that was queued or running when its transport lost it (embedded: the process stopped; Redis mode: Redis
 * was emptied) is not run again by itself: its processor may already have done part of the work. Its record is
 * marked failed with `LOST_TASK_MESSAGE`, retryable, and a retry runs it again from the request kept in the record.
 */
export class RecordedTaskQueue implements TaskQueue {
  private transport!: TaskTransport;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly now: () => number;

  private constructor(private readonly opts: RecordedTaskQueueOptions) {
    this.now = opts.now ?? Date.now;
  }

  static async open(opts: RecordedTaskQueueOptions): Promise<RecordedTaskQueue> {
    const queue = new RecordedTaskQueue(opts);
    queue.transport = await opts.transport((task) => queue.record(task));
    try {
      await queue.recheck(opts.recheckMs === undefined ? queue.now() : queue.now() - opts.recheckMs);
    } catch (err) {
      await queue.transport.close();
      throw err;
    }
    const every = (ms: number, what: string, run: () => Promise<unknown>) => {
      const timer = setInterval(() => {
        run().catch((err: unknown) => opts.logger.warn({ err }, what));
      }, ms);
      timer.unref();
      queue.timers.push(timer);
    };
    const prune = () => opts.records.prune(queue.now() - TASK_RECORDS_KEPT_MS);
    await prune().catch((err: unknown) => opts.logger.warn({ err }, "could not delete old task records"));
    every(PRUNE_EVERY_MS, "could not delete old task records", prune);
    const recheckMs = opts.recheckMs;
    if (recheckMs !== undefined)
      every(recheckMs, "could not check pending tasks", () => queue.recheck(queue.now() - recheckMs));
    return queue;
  }

  /** Writes a change, then reports it; the changes of one task are written in the order they came. */
  private record(task: TaskInfo): void {
    const previous = this.chains.get(task.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        await this.opts.records.save(task);
      } catch (err) {
        this.opts.logger.warn({ err, task: task.id }, "could not record a task change");
      }
      this.opts.listener(task);
    });
    this.chains.set(task.id, next);
    void next.finally(() => {
      if (this.chains.get(task.id) === next) this.chains.delete(task.id);
    });
  }

  /** Resolves once the changes reported so far for `id` are recorded. */
  private async settled(id: string): Promise<void> {
    while (this.chains.has(id)) await this.chains.get(id);
  }

  /** Fails the records left queued or running, unchanged since `before`, that the transport does not hold. */
  async recheck(before: number): Promise<number> {
    let lost = 0;
    for (const { task } of await this.opts.records.pending(before, RECHECK_BATCH)) {
      const held = await this.transport.get(task.id);
      if (held) {
        // A change the record missed (its write failed): the transport's final state wins.
        if (isFinal(held)) await this.adopt(task, held);
        continue;
      }
      const failed = await this.opts.records.transition(task.id, ["queued", "running"], {
        status: "failed",
        updatedAt: Math.max(this.now(), task.updatedAt),
        error: { message: LOST_TASK_MESSAGE, retryable: true },
      });
      if (failed) {
        lost++;
        this.opts.listener(failed);
      }
    }
    if (lost > 0) this.opts.logger.warn({ tasks: lost }, "tasks lost by the queue marked failed (retryable)");
    return lost;
  }

  /** Writes the transport's view of a task over a pending record of it. */
  private async adopt(record: TaskInfo, held: TaskInfo): Promise<void> {
    const { status, progress, attempts, maxAttempts, message, error, result } = held;
    const change = { status, progress, attempts, maxAttempts, message, error, result };
    const adopted = await this.opts.records.transition(record.id, ["queued", "running"], {
      ...(Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as typeof change),
      updatedAt: Math.max(this.now(), record.updatedAt),
    });
    if (adopted) this.opts.listener(adopted);
  }

  async enqueue(owner: string, title: string, request: TaskRequest): Promise<TaskInfo> {
    const now = this.now();
    const task = queuedTask(newTaskId(), owner, title, request, now);
    // The record first: a worker may report on the task before `enqueue` returns.
    await this.opts.records.insert(task, request);
    try {
      const queued = await this.transport.enqueue(owner, title, request, { id: task.id });
      await this.settled(task.id);
      return queued;
    } catch (err) {
      await this.opts.records.remove(task.id).catch(() => undefined);
      throw err;
    }
  }

  async get(taskId: string): Promise<TaskInfo | undefined> {
    return (await this.opts.records.get(taskId))?.task;
  }

  listFor(owner: string, limit: number): Promise<TaskInfo[]> {
    return this.opts.records.listFor(owner, limit);
  }

  async cancel(taskId: string): Promise<TaskInfo | undefined> {
    const stored = await this.opts.records.get(taskId);
    if (!stored) return undefined;
    const cancelled = await this.transport.cancel(taskId);
    if (cancelled) {
      await this.settled(taskId);
      return cancelled;
    }
    // Pending in the record, unknown to the transport: nothing runs it, so it is cancelled here.
    const task = await this.opts.records.transition(taskId, ["queued", "running"], {
      status: "cancelled",
      updatedAt: Math.max(this.now(), stored.task.updatedAt),
      message: "cancelled",
    });
    if (task) this.opts.listener(task);
    return task ?? (await this.get(taskId));
  }

  async retry(taskId: string, patch?: Partial<TaskRequest>): Promise<TaskInfo | undefined> {
    const stored = await this.opts.records.get(taskId);
    if (!stored) return undefined;
    if (stored.task.status !== "failed" && stored.task.status !== "cancelled") return stored.task;
    const request = { ...stored.request, ...patch } as TaskRequest;
    const requeued = await this.opts.records.transition(
      taskId,
      ["failed", "cancelled"],
      { status: "queued", progress: 0, attempts: 0, updatedAt: Math.max(this.now(), stored.task.updatedAt) },
      request,
    );
    if (!requeued) return this.get(taskId);
    // The transport retries what it still holds; what it lost (a restart, a wiped Redis) is queued again.
    const task =
      (await this.transport.retry(taskId, patch)) ??
      (await this.transport.enqueue(stored.task.owner, stored.task.title, request, { id: taskId }));
    await this.settled(taskId);
    // The transport would not run it again (it holds it as finished): the record says what it holds.
    if (isFinal(task)) await this.adopt(requeued, task);
    return task;
  }

  counts(): Promise<TaskCounts> {
    return this.opts.records.counts();
  }

  recentFailed(limit: number): Promise<TaskInfo[]> {
    return this.opts.records.recentFailed(limit);
  }

  runWorker(processor: TaskProcessor, opts: { concurrency: number }): Promise<WorkerHandle> {
    return this.transport.runWorker(processor, opts);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.transport.close();
    await Promise.allSettled([...this.chains.values()]);
  }
}
