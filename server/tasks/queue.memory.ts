import type { TaskInfo, TaskRequest } from "@/lib/protocol/tasks";
import type { Logger } from "../logging/logger";
import {
  RETRY,
  newTaskId,
  queuedTask,
  TaskCancelled,
  TaskFailure,
  backoffMs,
  type TaskCounts,
  type TaskListener,
  type TaskProcessor,
  type WorkerHandle,
} from "./queue";
import type { TaskTransport } from "./queue.recorded";

interface Stored {
  task: TaskInfo;
  request: TaskRequest;
}

/** Finished tasks kept in memory; their records are in the database (`RecordedTaskQueue`). */
const KEPT = 500;

/**
 * Embedded mode: tasks run in this process with the same behaviour as BullMQ (progress, retries with backoff,
 * cancellation, failures kept and retryable). It holds the queue in memory only: `RecordedTaskQueue` keeps the
 * records in the database and fails, retryable, the tasks a stopped process left pending.
 */
export class MemoryTaskQueue implements TaskTransport {
  private readonly tasks = new Map<string, Stored>();
  private readonly waiting: string[] = [];
  private readonly cancelled = new Set<string>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private processor?: TaskProcessor;
  private concurrency = 2;
  private running = 0;
  private closed = false;

  constructor(
    private readonly listener: TaskListener,
    private readonly logger: Logger,
  ) {}

  /** Forgets the oldest finished tasks beyond `KEPT`. */
  private prune(): void {
    if (this.tasks.size <= KEPT) return;
    const finished = [...this.tasks.values()]
      .filter((s) => s.task.status !== "queued" && s.task.status !== "running")
      .sort((a, b) => a.task.updatedAt - b.task.updatedAt);
    for (const s of finished.slice(0, this.tasks.size - KEPT)) this.tasks.delete(s.task.id);
  }

  private change(id: string, patch: Partial<TaskInfo>): TaskInfo | undefined {
    const stored = this.tasks.get(id);
    if (!stored) return undefined;
    stored.task = { ...stored.task, ...patch, updatedAt: Date.now() };
    this.listener(stored.task);
    return stored.task;
  }

  async enqueue(
    owner: string,
    title: string,
    request: TaskRequest,
    opts: { id?: string } = {},
  ): Promise<TaskInfo> {
    const now = Date.now();
    const task = queuedTask(opts.id ?? newTaskId(), owner, title, request, now);
    this.tasks.set(task.id, { task, request });
    this.prune();
    this.listener(task);
    this.waiting.push(task.id);
    this.pump();
    return task;
  }

  async get(taskId: string): Promise<TaskInfo | undefined> {
    return this.tasks.get(taskId)?.task;
  }

  async listFor(owner: string, limit: number): Promise<TaskInfo[]> {
    return [...this.tasks.values()]
      .map((s) => s.task)
      .filter((t) => t.owner === owner)
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit);
  }

  async cancel(taskId: string): Promise<TaskInfo | undefined> {
    const stored = this.tasks.get(taskId);
    if (!stored) return undefined;
    if (stored.task.status === "queued") {
      const i = this.waiting.indexOf(taskId);
      if (i >= 0) this.waiting.splice(i, 1);
      return this.change(taskId, { status: "cancelled", message: "cancelled" });
    }
    if (stored.task.status === "running") this.cancelled.add(taskId);
    return stored.task;
  }

  async retry(taskId: string, patch?: Partial<TaskRequest>): Promise<TaskInfo | undefined> {
    const stored = this.tasks.get(taskId);
    if (!stored || (stored.task.status !== "failed" && stored.task.status !== "cancelled"))
      return stored?.task;
    stored.request = { ...stored.request, ...patch } as TaskRequest;
    const task = this.change(taskId, {
      status: "queued",
      progress: 0,
      attempts: 0,
      error: undefined,
      message: undefined,
    });
    this.waiting.push(taskId);
    this.pump();
    return task;
  }

  async counts(): Promise<TaskCounts> {
    const counts: TaskCounts = { queued: 0, running: 0, completed: 0, failed: 0, delayed: 0 };
    for (const { task } of this.tasks.values()) {
      if (task.status === "queued") counts[task.attempts > 0 ? "delayed" : "queued"]++;
      else if (task.status === "running") counts.running++;
      else if (task.status === "completed") counts.completed++;
      else counts.failed++;
    }
    return counts;
  }

  async recentFailed(limit: number): Promise<TaskInfo[]> {
    return [...this.tasks.values()]
      .map((s) => s.task)
      .filter((t) => t.status === "failed")
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(0, limit);
  }

  async runWorker(processor: TaskProcessor, opts: { concurrency: number }): Promise<WorkerHandle> {
    this.processor = processor;
    this.concurrency = opts.concurrency;
    this.pump();
    return { close: () => this.close() };
  }

  private pump(): void {
    while (this.processor && !this.closed && this.running < this.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      this.running++;
      void this.runOne(id).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async runOne(id: string): Promise<void> {
    const stored = this.tasks.get(id);
    if (!stored || stored.task.status !== "queued") return;
    const attempt = stored.task.attempts + 1;
    let progress = 0;
    const task = this.change(id, { status: "running", attempts: attempt, progress: 0 })!;
    try {
      const result = await this.processor!({
        task,
        request: stored.request,
        attempt,
        progress: async (percent, message) => {
          if (percent <= progress && message === undefined) return;
          progress = Math.max(progress, Math.min(100, Math.round(percent)));
          this.change(id, { progress, message });
        },
        checkCancelled: async () => {
          if (this.cancelled.has(id) || this.closed) throw new TaskCancelled();
        },
      });
      this.change(id, { status: "completed", progress: 100, result, message: undefined });
    } catch (err) {
      if (err instanceof TaskCancelled) {
        this.cancelled.delete(id);
        if (this.closed) {
          this.change(id, {
            status: "failed",
            error: { message: "the server stopped while this task ran; retry it", retryable: true },
          });
        } else this.change(id, { status: "cancelled", message: "cancelled" });
      } else if (err instanceof TaskFailure) {
        this.change(id, { status: "failed", error: err.detail });
      } else if (attempt < RETRY.attempts) {
        this.logger.warn({ err, task: id, attempt }, "task attempt failed; retrying");
        this.change(id, { status: "queued", message: `attempt ${attempt} failed; retrying` });
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.waiting.push(id);
          this.pump();
        }, backoffMs(attempt));
        this.timers.add(timer);
      } else {
        this.change(id, { status: "failed", error: { message: (err as Error).message, retryable: true } });
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
  }
}
