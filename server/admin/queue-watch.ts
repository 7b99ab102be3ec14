import { QUEUE_FAILED_LISTED, type QueueCounts, type QueueStats } from "@/lib/protocol/admin";
import type { TaskInfo } from "@/lib/protocol/tasks";
import type { Logger } from "../logging/logger";
import { serverStamp } from "../metrics/clock";
import type { TaskQueue } from "../tasks/queue";

export interface QueueWatchDeps {
  queue: Pick<TaskQueue, "counts" | "recentFailed">;
  /** Sends the stats to this instance's admins. */
  push(stats: QueueStats): void;
  /** Whether anyone here is watching; nothing is read otherwise. */
  watched(): boolean;
  logger: Logger;
  /** The failures list is read when the counts change, and at least this often. */
  failedEveryMs?: number;
}

/** What an admin needs of a failed task: the bad CSV lines stay with the owner. */
function slim(task: TaskInfo): TaskInfo {
  const { result: _result, ...rest } = task;
  if (!rest.error) return rest;
  const { lines: _lines, ...error } = rest.error;
  return { ...rest, error };
}

const sameCounts = (a: QueueCounts, b: QueueCounts) =>
  a.queued === b.queued &&
  a.running === b.running &&
  a.delayed === b.delayed &&
  a.completed === b.completed &&
  a.failed === b.failed;

/**
 * The task queue as admins see it: counts and the recent failures, read once a second while an admin watches on
 * this instance (tasks change in worker processes too, which no local event tells us about) and pushed only when
 * they changed. Counts are cheap; the failures list is read again only when the counts moved, or every 10 s.
 */
export class QueueWatch {
  private latest?: QueueStats;
  private sentKey?: string;
  private reading?: Promise<QueueStats>;
  private failedReadAt = 0;

  constructor(private readonly deps: QueueWatchDeps) {}

  /** The stats now (read if older than a second). */
  async current(): Promise<QueueStats> {
    if (this.latest && Date.now() - this.latest.at < 1_000) return this.latest;
    return this.refresh();
  }

  /** Called every second; reads and pushes only while watched. */
  tick(): void {
    if (!this.deps.watched()) return;
    this.refresh().catch((err: unknown) => this.deps.logger.debug({ err }, "queue stats not read"));
  }

  /** Reads now, e.g. right after a retry, and pushes if something changed. */
  refresh(opts: { failed?: boolean } = {}): Promise<QueueStats> {
    this.reading ??= (async () => {
      try {
        const counts = await this.deps.queue.counts();
        const prev = this.latest;
        const readFailed =
          !prev ||
          opts.failed ||
          !sameCounts(prev.counts, counts) ||
          Date.now() - this.failedReadAt >= (this.deps.failedEveryMs ?? 10_000);
        let failed = prev?.failed ?? [];
        if (readFailed) {
          failed = (await this.deps.queue.recentFailed(QUEUE_FAILED_LISTED)).map(slim);
          this.failedReadAt = Date.now();
        }
        const stats: QueueStats = { at: serverStamp(), counts, failed };
        this.latest = stats;
        const key = JSON.stringify({ counts, failed });
        if (key !== this.sentKey) {
          this.sentKey = key;
          if (this.deps.watched()) this.deps.push(stats);
        }
        return stats;
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}
