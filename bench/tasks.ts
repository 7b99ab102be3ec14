// `npm run bench:tasks`: background task throughput and the latency of their progress events, with a real
// Redis, a web instance and two worker processes. Writes bench/results/tasks.md.
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import type { TaskInfo } from "../lib/protocol/tasks";
import { TestBoardClient } from "../server/testing/board-client";
import { connectOk, tokenFor } from "../server/testing/clients";
import { TEST_SECRET, startInstance } from "../server/testing/instance";
import { spawnTs } from "../server/testing/process";
import { TestPostgres } from "../server/testing/postgres";
import { TestRedisServer } from "../server/testing/redis-server";

const JOBS = Number(process.env.BENCH_TASK_JOBS ?? 400);
const IMPORT_ROWS = 2_000;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function main() {
  const redis = await TestRedisServer.start();
  // The system of record that Redis mode needs: tasks, their files and the boards they write to live there.
  const postgres = await TestPostgres.start();
  const databaseUrl = await postgres.createDatabase();
  const web = await startInstance({
    redisUrl: redis.url,
    seedDemoUsers: true,
    env: {
      DATABASE_URL: databaseUrl,
      WORKERS_INLINE: "false",
      RATE_LIMIT_EVENTS_PER_SEC: "100000",
      RATE_LIMIT_BURST: "100000",
      // One user queues every job at once: the per-user task quotas would refuse most of them.
      QUOTA_TASKS_CONCURRENT_PER_USER: "10000",
      QUOTA_TASKS_PER_MINUTE_PER_USER: "1000000",
    },
  });
  const workerEnv = {
    REDIS_URL: redis.url,
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: TEST_SECRET,
    REDIS_KEY_PREFIX: "pbtest",
    LOG_LEVEL: "warn",
    TASK_CONCURRENCY: "8",
    TASK_IMPORT_BATCH_SIZE: "100",
  };
  const workers = [
    spawnTs("server/worker.ts", { ...workerEnv, INSTANCE_ID: "w1", LOG_LEVEL: "info" }),
    spawnTs("server/worker.ts", { ...workerEnv, INSTANCE_ID: "w2", LOG_LEVEL: "info" }),
  ];
  try {
    await Promise.all(workers.map((w) => w.waitFor(/worker ready/, 60_000)));
    const socket = await connectOk(web.url, { token: await tokenFor("alice") });
    const created = await socket.emitWithAck("board:create", { title: "Bench" });
    if (!created.ok) throw new Error(created.error.message);
    const boardId = created.board.id;
    const board = new TestBoardClient(socket, boardId);
    await board.join();
    await board.op({
      type: "widget.add",
      widget: { id: "chart", type: "chart", layout: { x: 0, y: 0, w: 6, h: 4 } },
    });

    const latencies: number[] = [];
    const done = new Map<string, number>();
    socket.on("task:update", ({ task }: { task: TaskInfo }) => {
      latencies.push(Date.now() - task.updatedAt);
      if (task.status === "completed" || task.status === "failed") done.set(task.id, Date.now());
    });

    // Throughput: many small exports, queued at once, processed by two workers at concurrency 8.
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: JOBS }, async () => {
        const res = await socket.timeout(30_000).emitWithAck("task:start", { kind: "board-export", boardId });
        if (!res.ok) throw new Error(res.error.message);
        return res.task.id;
      }),
    );
    while (ids.some((id) => !done.has(id))) await new Promise((r) => setTimeout(r, 20));
    const exportSeconds = (Math.max(...ids.map((id) => done.get(id)!)) - started) / 1000;
    const exportLatencies = [...latencies].sort((a, b) => a - b);

    // One import of 2,000 rows in batches of 100: rows per second into a live board.
    latencies.length = 0;
    const rows = [
      "time,value",
      ...Array.from({ length: IMPORT_ROWS }, (_, i) => `${1_700_000_000_000 + i * 1000},${i % 100}`),
    ].join("\n");
    const importStart = Date.now();
    const res = await fetch(`${web.url}/api/tasks/csv-import?boardId=${boardId}&widgetId=chart`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor("alice")}`, "content-type": "text/csv" },
      body: rows,
    });
    const { task } = (await res.json()) as { task: TaskInfo };
    while (!done.has(task.id)) await new Promise((r) => setTimeout(r, 10));
    const importSeconds = (done.get(task.id)! - importStart) / 1000;
    const importLatencies = [...latencies].sort((a, b) => a - b);

    const lines = [
      "# Background tasks",
      "",
      `Command: \`npm run bench:tasks\` (bench/tasks.ts), ${new Date().toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), shared`,
      "with other jobs. Redis 7 on a free port, one web instance in the benchmark's process, two worker processes at",
      "concurrency 8 (BullMQ). Progress latency is from the moment a worker reports progress (the task's",
      "`updatedAt`) to the owner's socket receiving `task:update`, through the Redis emitter and the web instance.",
      "",
      "| measurement | result |",
      "| --- | --- |",
      `| board exports (${JOBS} queued at once) | ${(JOBS / exportSeconds).toFixed(0)} jobs/s (${exportSeconds.toFixed(2)} s) |`,
      `| progress events during the exports | ${exportLatencies.length} events, p50 ${pct(exportLatencies, 50)} ms, p95 ${pct(exportLatencies, 95)} ms, p99 ${pct(exportLatencies, 99)} ms |`,
      `| CSV import, ${IMPORT_ROWS} rows in batches of 100 | ${(IMPORT_ROWS / importSeconds).toFixed(0)} rows/s (${importSeconds.toFixed(2)} s, upload to completion) |`,
      `| progress events during the import | ${importLatencies.length} events, p50 ${pct(importLatencies, 50)} ms, p95 ${pct(importLatencies, 95)} ms, p99 ${pct(importLatencies, 99)} ms |`,
      "",
    ];
    await mkdir("bench/results", { recursive: true });
    await writeFile("bench/results/tasks.md", lines.join("\n"));
    console.log(lines.join("\n"));
    socket.close();
  } finally {
    await Promise.all(workers.map((w) => w.stop("SIGTERM")));
    await web.close();
    await Promise.all([redis.stop(), postgres.stop()]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
