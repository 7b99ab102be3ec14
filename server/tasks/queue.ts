import { randomUUID } from "node:crypto";
import {
  widgetOfRequest,
  type TaskError,
  type TaskInfo,
  type TaskRequest,
  type TaskResult,
} from "@/lib/protocol/tasks";

export interface TaskContext {
  task: TaskInfo;
  request: TaskRequest;
  /** 1 on the first attempt. */
  attempt: number;
  /** Reports progress (0-100); lower values than already reported are ignored, so progress never goes back. */
  progress(percent: number, message?: string): Promise<void>;
  /** Throws `TaskCancelled` when the task was cancelled; processors call it between steps. */
  checkCancelled(): Promise<void>;
}

export type TaskProcessor = (ctx: TaskContext) => Promise<TaskResult>;

/** A failure that retrying cannot fix (bad input): fails the task at once, with details for the user. */
export class TaskFailure extends Error {
  constructor(readonly detail: TaskError) {
    super(detail.message);
    this.name = "TaskFailure";
  }
}

export class TaskCancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "TaskCancelled";
  }
}

export interface TaskCounts {
  queued: number;
  running: number;
  completed: number;
  failed: number;
  delayed: number;
}

export interface WorkerHandle {
  close(): Promise<void>;
}

/** Called whenever a task changes, wherever it runs; the task feature turns it into `task:update` events. */
export type TaskListener = (task: TaskInfo) => void;

/**
 * Background tasks with progress, retries with exponential backoff, cancellation and kept failures. BullMQ in
 * Redis mode, an in-process runner in embedded mode; both pass `queue.contract.test.ts`.
 */
export interface TaskQueue {
  enqueue(owner: string, title: string, request: TaskRequest): Promise<TaskInfo>;
  get(taskId: string): Promise<TaskInfo | undefined>;
  listFor(owner: string, limit: number): Promise<TaskInfo[]>;
  /** Stops a queued task at once and a running one at its next step. */
  cancel(taskId: string): Promise<TaskInfo | undefined>;
  /** Runs a failed or cancelled task again, optionally with a changed request. */
  retry(taskId: string, patch?: Partial<TaskRequest>): Promise<TaskInfo | undefined>;
  counts(): Promise<TaskCounts>;
  recentFailed(limit: number): Promise<TaskInfo[]>;
  /** Starts processing in this process. */
  runWorker(processor: TaskProcessor, opts: { concurrency: number }): Promise<WorkerHandle>;
  close(): Promise<void>;
}

export const RETRY = { attempts: 3, baseDelayMs: 1_000 };

/** Exponential backoff: 1 s, 2 s, 4 s, ... */
export function backoffMs(attempt: number, base = RETRY.baseDelayMs): number {
  return base * 2 ** Math.max(0, attempt - 1);
}

/** A new task id: 32 hex digits. */
export const newTaskId = () => randomUUID().replace(/-/g, "");

/** A task as it is enqueued: queued, no progress, no attempt yet. */
export function queuedTask(
  id: string,
  owner: string,
  title: string,
  request: TaskRequest,
  now: number,
): TaskInfo {
  return {
    id,
    kind: request.kind,
    owner,
    title,
    boardId: request.boardId,
    widgetId: widgetOfRequest(request),
    status: "queued",
    progress: 0,
    attempts: 0,
    maxAttempts: RETRY.attempts,
    createdAt: now,
    updatedAt: now,
  };
}
