import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskInfo } from "@/lib/protocol/tasks";
import { TestBoardClient, eventually } from "@/server/testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "@/server/testing/clients";
import type { ManagedProcess } from "@/server/testing/process";
import { startProcessInstance, type ProcessInstance } from "@/server/testing/process-instance";
import { TestRedisServer } from "@/server/testing/redis-server";
import {
  boardWithChart,
  chartPoints,
  startTaskWorker,
  timeSeriesCsv,
  uploadCsv,
} from "@/server/testing/tasks";

const ROWS = 1_000;
const LOCK_MS = 1_500;

/**
 * Redis is SIGKILLed while a worker process is importing a CSV, and restarted from its append-only file after
 * longer than the job's lock. The job stalls, runs again, and completes; its batches carry opIds derived from the
 * task, so the chart ends with every row exactly once. No process dies.
 */
describe("fault: Redis goes away while a worker imports", () => {
  let redis: TestRedisServer;
  let web: ProcessInstance;
  const workers: ManagedProcess[] = [];
  const sockets: TestSocket[] = [];

  const startWorker = async (id: string) => {
    const w = await startTaskWorker(redis.url, {
      INSTANCE_ID: id,
      TASK_LOCK_MS: String(LOCK_MS),
      TASK_IMPORT_BATCH_SIZE: "20",
      TASK_IMPORT_BATCHES_PER_SEC: "20",
      TASK_CONCURRENCY: "2",
    });
    workers.push(w);
  };

  beforeAll(async () => {
    redis = await TestRedisServer.start({ appendOnly: true });
    web = await startProcessInstance({
      REDIS_URL: redis.url,
      SEED_DEMO_USERS: "true",
      WORKERS_INLINE: "false",
      INSTANCE_ID: "outage-web",
    });
    await Promise.all([startWorker("outage-w1"), startWorker("outage-w2")]);
  }, 120_000);
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await web?.stop();
    await redis?.stop();
  });

  it("completes the import once Redis is back, every row exactly once, and no process dies", async () => {
    const { socket, client, boardId } = await boardWithChart(web.url, "Imports under fire");
    sockets.push(socket);
    const task = await uploadCsv(web.url, boardId, timeSeriesCsv(ROWS));

    // Midway through the import (50 batches at 20 a second), Redis dies for longer than the job's lock.
    await eventually(() => expect(chartPoints(client).length).toBeGreaterThanOrEqual(200), 30_000);
    await redis.kill();
    const partial = chartPoints(client).length;
    expect(partial).toBeLessThan(ROWS);
    await new Promise((r) => setTimeout(r, 2 * LOCK_MS + 1_000));
    await redis.spawn();

    // The task completes; its state is read back from the queue, not from events lost during the outage.
    let final: TaskInfo | undefined;
    await eventually(async () => {
      const list = await socket.timeout(5_000).emitWithAck("task:list", { boardId });
      final = list.ok ? list.tasks.find((t: TaskInfo) => t.id === task.id) : undefined;
      // On failure, say why the task ended as it did.
      expect(final?.status, JSON.stringify(final?.error)).toBe("completed");
    }, 60_000);
    expect(final?.result).toEqual({ kind: "csv-import", imported: ROWS, skipped: 0 });
    expect(final?.attempts).toBeGreaterThanOrEqual(2);

    // The board as a fresh client reads it: every row exactly once.
    const reader = await connectOk(web.url, { token: await tokenFor("alice") });
    sockets.push(reader);
    const fresh = new TestBoardClient(reader, boardId);
    await fresh.join();
    const points = chartPoints(fresh);
    expect(points).toHaveLength(ROWS);
    expect(new Set(points.map((p) => p[0])).size).toBe(ROWS);
    // The client that watched through the outage converges on the same chart.
    await client.sync();
    expect(chartPoints(client)).toEqual(points);

    // No process died.
    expect(web.child.exitCode).toBeNull();
    for (const w of workers) expect(w.child.exitCode).toBeNull();
    console.log(`${partial} of ${ROWS} rows in at the kill; completed on attempt ${final?.attempts}`);
  }, 120_000);
});
