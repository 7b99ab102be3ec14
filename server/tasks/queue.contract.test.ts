import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TaskInfo, TaskRequest } from "@/lib/protocol/tasks";
import { closeRedis, createRedisClient, type RedisClient } from "../redis/connection";
import { eventually } from "../testing/board-client";
import { contractBackends, type ContractBackend, type ContractEnv } from "../testing/backends";
import { testLogger } from "../testing/logger";
import {
  queuedTask,
  TaskCancelled,
  TaskFailure,
  type TaskListener,
  type TaskProcessor,
  type TaskQueue,
} from "./queue";
import { BullTaskQueue } from "./queue.bullmq";
import { MemoryTaskQueue } from "./queue.memory";
import { LOST_TASK_MESSAGE, RecordedTaskQueue, TASK_RECORDS_KEPT_MS } from "./queue.recorded";
import { SqlTaskRecords } from "./records.sql";

const request: TaskRequest = { kind: "board-export", boardId: "b1" };
const summary = (value: number) => ({
  kind: "chart-summary" as const,
  stats: { count: value, min: 0, max: 0, mean: 0, p50: 0, p95: 0, p99: 0 },
  kpiWidgetId: "k",
});

const named = (list: ContractBackend[], name: ContractBackend["name"]) => list.find((b) => b.name === name)!;
const sqlite = named(contractBackends({ sql: true }), "sqlite");
const postgres = named(contractBackends({ sql: true }), "postgres");
const bareRedis = named(contractBackends(), "redis");
// Redis and PostgreSQL together, each its own: their servers start after the ones above have stopped.
const redis = named(contractBackends(), "redis");
const postgresBeside = named(contractBackends({ sql: true }), "postgres");
const redisPostgres = {
  name: "redis+postgres",
  async setup() {
    await Promise.all([redis.setup(), postgresBeside.setup()]);
  },
  async fresh(): Promise<ContractEnv> {
    const [withRedis, withSql] = await Promise.all([redis.fresh(), postgresBeside.fresh()]);
    return { ...withRedis, openSql: withSql.openSql, sql: withSql.sql };
  },
  async teardown() {
    await Promise.all([redis.teardown(), postgresBeside.teardown()]);
  },
} satisfies Omit<ContractBackend, "name"> & { name: string };

/**
 * The task queue as each mode builds it: the in-process transport with its records in SQLite or PostgreSQL, BullMQ
 * with its records in PostgreSQL, and BullMQ alone (the transport that Redis mode wraps with its records; the tests of
 * records skip it).
 */
describe.each([sqlite, postgres, redisPostgres, bareRedis])("TaskQueue contract ($name)", (backend) => {
  const opened: TaskQueue[] = [];
  const clients: RedisClient[] = [];
  let updates: TaskInfo[] = [];

  async function queueFor(env: ContractEnv, recheckMs?: number): Promise<TaskQueue> {
    const listener = (t: TaskInfo) => updates.push(t);
    const logger = testLogger();
    const bull = (reported: TaskListener) =>
      new BullTaskQueue({
        redis: env.redis!,
        blockingClient: () => {
          const c = createRedisClient({ url: env.redisUrl }, "test-worker", "blocking", logger);
          clients.push(c);
          return c;
        },
        keys: env.keys,
        listener: reported,
        logger,
        lockMs: 2_000,
      });
    const q: TaskQueue = env.sql
      ? await RecordedTaskQueue.open({
          records: new SqlTaskRecords(env.sql),
          listener,
          logger,
          transport: async (reported) => (env.redis ? bull(reported) : new MemoryTaskQueue(reported, logger)),
          recheckMs: env.redis ? (recheckMs ?? 30_000) : undefined,
        })
      : bull(listener);
    opened.push(q);
    return q;
  }

  const finalOf = async (
    q: TaskQueue,
    id: string,
    status: TaskInfo["status"][] = ["completed", "failed", "cancelled"],
  ) => {
    let task: TaskInfo | undefined;
    await eventually(async () => {
      task = await q.get(id);
      expect(status).toContain(task?.status);
    }, 20_000);
    return task!;
  };

  beforeAll(() => backend.setup());
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((q) => q.close()));
    await Promise.all(clients.splice(0).map(closeRedis));
    updates = [];
  });
  afterAll(() => backend.teardown());

  it("runs a task with monotonic progress to completion and reports every change", async () => {
    const q = await queueFor(await backend.fresh());
    const processor: TaskProcessor = async (ctx) => {
      for (const p of [10, 5, 40, 80]) await ctx.progress(p, `at ${p}`);
      return summary(7);
    };
    await q.runWorker(processor, { concurrency: 2 });
    const queued = await q.enqueue("alice", "Export", request);
    expect(queued).toMatchObject({
      status: "queued",
      owner: "alice",
      kind: "board-export",
      boardId: "b1",
      progress: 0,
    });
    const done = await finalOf(q, queued.id);
    expect(done).toMatchObject({ status: "completed", progress: 100, result: summary(7) });
    await eventually(() => expect(updates.at(-1)?.status).toBe("completed"));
    const seen = updates.filter((u) => u.id === queued.id && u.status === "running").map((u) => u.progress);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen).not.toContain(5);
    expect((await q.listFor("alice", 10)).map((t) => t.id)).toEqual([queued.id]);
    expect(await q.listFor("bob", 10)).toEqual([]);
  });

  it("retries a failing attempt with backoff, and fails at once on bad input, keeping the failure", async () => {
    const q = await queueFor(await backend.fresh());
    const attempts = new Map<string, number>();
    await q.runWorker(
      async (ctx) => {
        attempts.set(ctx.task.id, ctx.attempt);
        if (ctx.task.title === "bad")
          throw new TaskFailure({
            message: "line 3 is wrong",
            lines: [{ line: 3, reason: "x" }],
            retryable: false,
          });
        if (ctx.attempt === 1) throw new Error("transient");
        return summary(ctx.attempt);
      },
      { concurrency: 2 },
    );
    const flaky = await q.enqueue("alice", "flaky", request);
    const bad = await q.enqueue("alice", "bad", request);
    expect(await finalOf(q, flaky.id)).toMatchObject({ status: "completed", result: summary(2) });
    expect(await finalOf(q, bad.id)).toMatchObject({
      status: "failed",
      error: { message: "line 3 is wrong", lines: [{ line: 3, reason: "x" }], retryable: false },
    });
    expect(attempts.get(bad.id)).toBe(1);
    expect((await q.recentFailed(10)).map((t) => t.id)).toEqual([bad.id]);
    expect((await q.counts()).failed).toBe(1);
  });

  it("cancels a queued task and a running one, and retries them", async () => {
    const q = await queueFor(await backend.fresh());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    await q.runWorker(
      async (ctx) => {
        runs++;
        if (ctx.task.title === "slow" && ctx.attempt === 1 && runs === 1) {
          await ctx.progress(10);
          await gate;
        }
        await ctx.checkCancelled();
        return summary(1);
      },
      { concurrency: 1 },
    );
    const slow = await q.enqueue("alice", "slow", request);
    await eventually(async () => expect((await q.get(slow.id))?.status).toBe("running"));
    const waiting = await q.enqueue("alice", "waiting", request);
    expect((await q.cancel(waiting.id))?.status).toBe("cancelled");
    await q.cancel(slow.id);
    release();
    expect(await finalOf(q, slow.id)).toMatchObject({ status: "cancelled" });
    expect((await q.get(waiting.id))?.status).toBe("cancelled");
    await q.retry(slow.id);
    expect(await finalOf(q, slow.id, ["completed"])).toMatchObject({ status: "completed" });
    await q.retry(waiting.id);
    expect(await finalOf(q, waiting.id, ["completed"])).toMatchObject({ status: "completed" });
  });

  it("retries a failed task with a changed request", async () => {
    const q = await queueFor(await backend.fresh());
    await q.runWorker(
      async (ctx) => {
        const req = ctx.request;
        if (req.kind === "csv-import" && !req.skipInvalid)
          throw new TaskFailure({ message: "bad rows", retryable: true });
        return summary(9);
      },
      { concurrency: 1 },
    );
    const task = await q.enqueue("alice", "import", {
      kind: "csv-import",
      boardId: "b",
      widgetId: "w",
      uploadId: "u",
      fileName: "f.csv",
      skipInvalid: false,
    });
    expect((await finalOf(q, task.id)).status).toBe("failed");
    await q.retry(task.id, { skipInvalid: true });
    expect(await finalOf(q, task.id, ["completed"])).toMatchObject({ result: summary(9) });
  });

  it("gives a manually retried task a fresh round of attempts with backoff", async () => {
    const q = await queueFor(await backend.fresh());
    const rounds: number[][] = [[]];
    let retried = false;
    await q.runWorker(
      async (ctx) => {
        rounds.at(-1)!.push(ctx.attempt);
        if (!retried || ctx.attempt === 1) throw new Error("transient");
        return summary(ctx.attempt);
      },
      { concurrency: 1 },
    );
    const task = await q.enqueue("alice", "flaky twice over", request);
    expect(await finalOf(q, task.id)).toMatchObject({ status: "failed", attempts: 3, maxAttempts: 3 });
    rounds.push([]);
    retried = true;
    expect(await q.retry(task.id)).toMatchObject({ status: "queued" });
    expect(await finalOf(q, task.id, ["completed"])).toMatchObject({ attempts: 2, maxAttempts: 3 });
    expect(rounds).toEqual([
      [1, 2, 3],
      [1, 2],
    ]);
  }, 30_000);

  it("dates a retry after the failure it follows and before the run it starts", async () => {
    const q = await queueFor(await backend.fresh());
    await q.runWorker(
      async () => {
        await new Promise((r) => setTimeout(r, 30));
        throw new TaskFailure({ message: "bad rows", retryable: true });
      },
      { concurrency: 1 },
    );
    const task = await q.enqueue("alice", "import", request);
    const failed = await finalOf(q, task.id);
    await eventually(() => expect(updates.findLast((u) => u.id === task.id)?.status).toBe("failed"));
    const before = updates.filter((u) => u.id === task.id).length;
    const retried = await q.retry(task.id);
    // Clients keep the newest state they have seen: a retry dated before the failure would never show.
    expect(retried?.status).toBe("queued");
    expect(retried!.updatedAt).toBeGreaterThanOrEqual(failed.updatedAt);
    await eventually(() =>
      expect(updates.filter((u) => u.id === task.id && u.status === "failed")).toHaveLength(2),
    );
    // Updates can arrive in any order; their dates order them.
    const again = updates.filter((u) => u.id === task.id).slice(before);
    expect(again.map((u) => u.status).sort()).toEqual(["failed", "queued", "running"]);
    const at = (status: TaskInfo["status"]) => again.find((u) => u.status === status)!.updatedAt;
    expect(at("queued")).toBeGreaterThanOrEqual(failed.updatedAt);
    expect(at("queued")).toBeLessThanOrEqual(at("running"));
    expect(at("running")).toBeLessThanOrEqual(at("failed"));
  });

  it("does not lose a queued task's cancellation to a worker picking it up", async () => {
    const q = await queueFor(await backend.fresh());
    const task = await q.enqueue("alice", "never", request);
    await q.cancel(task.id);
    let ran = false;
    await q.runWorker(
      async (ctx) => {
        ran = true;
        await ctx.checkCancelled();
        return summary(0);
      },
      { concurrency: 1 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).toBe(false);
    expect((await q.get(task.id))?.status).toBe("cancelled");
    expect(TaskCancelled.name).toBe("TaskCancelled");
  });

  it.skipIf(backend.name === "redis")(
    "keeps every record when the queue loses its tasks, fails the pending ones (retryable), and retries them",
    async () => {
      const env = await backend.fresh();
      const first = await queueFor(env, 100);
      let released = false;
      await first.runWorker(
        async (ctx) => {
          while (ctx.task.title === "stuck" && !released) {
            await ctx.checkCancelled();
            await new Promise((r) => setTimeout(r, 10));
          }
          if (ctx.task.title === "stuck") throw new Error("stopped");
          return summary(3);
        },
        { concurrency: 1 },
      );
      const done = await first.enqueue("alice", "done", request);
      await finalOf(first, done.id, ["completed"]);
      const stuck = await first.enqueue("alice", "stuck", request);
      await eventually(async () => expect((await first.get(stuck.id))?.status).toBe("running"));
      const waiting = await first.enqueue("alice", "waiting", request);
      // Redis mode: Redis is emptied under the running and the queued task. Embedded: the process stops.
      if (env.redis) await env.redis.flushall();
      released = true;
      await first.close();
      opened.splice(opened.indexOf(first), 1);

      const second = await queueFor(env, 100);
      expect(await finalOf(second, waiting.id, ["failed"])).toMatchObject({
        error: { message: LOST_TASK_MESSAGE, retryable: true },
      });
      expect(await finalOf(second, stuck.id, ["failed"])).toMatchObject({ error: { retryable: true } });
      expect(await second.get(done.id)).toMatchObject({ status: "completed", result: summary(3) });
      expect((await second.listFor("alice", 10)).map((t) => t.id).sort()).toEqual(
        [done.id, stuck.id, waiting.id].sort(),
      );
      await second.runWorker(async () => summary(4), { concurrency: 1 });
      expect(await second.retry(waiting.id)).toMatchObject({ status: "queued" });
      expect(await finalOf(second, waiting.id, ["completed"])).toMatchObject({ result: summary(4) });
      await second.retry(stuck.id);
      expect(await finalOf(second, stuck.id, ["completed"])).toMatchObject({ result: summary(4) });
    },
    30_000,
  );

  it.skipIf(backend.name === "redis")(
    "deletes a task's record 30 days after it finished, never a pending one",
    async () => {
      const env = await backend.fresh();
      const records = new SqlTaskRecords(env.sql!);
      const old = Date.now() - TASK_RECORDS_KEPT_MS - 60_000;
      const at = (id: string, status: TaskInfo["status"], updatedAt: number): TaskInfo => ({
        ...queuedTask(id, "alice", id, request, old),
        status,
        updatedAt,
      });
      await records.insert(at(`${"a".repeat(31)}1`, "completed", old), request);
      await records.insert(at(`${"a".repeat(31)}2`, "failed", Date.now() - 1_000), request);
      // Pending that long: the queue lost it; it is failed at open, and kept 30 days from then.
      await records.insert(at(`${"a".repeat(31)}3`, "queued", old), request);
      const q = await queueFor(env);
      const left = await q.listFor("alice", 10);
      expect(left.map((t) => [t.id.at(-1), t.status]).sort()).toEqual([
        ["2", "failed"],
        ["3", "failed"],
      ]);
    },
  );

  it.skipIf(backend.name === "redis")(
    "corrects a record that missed its task's end from what the queue holds",
    async () => {
      const env = await backend.fresh();
      const q = (await queueFor(env)) as RecordedTaskQueue;
      await q.runWorker(async () => summary(5), { concurrency: 1 });
      const task = await q.enqueue("alice", "done", request);
      const done = await finalOf(q, task.id, ["completed"]);
      // As if the write of its last change had failed: the record still says it runs.
      await env
        .sql!.db.updateTable("tasks")
        .set({ status: "running", progress: 50, result: null, updated_at: done.updatedAt - 60_000 })
        .where("id", "=", task.id)
        .execute();
      expect((await q.get(task.id))?.status).toBe("running");
      expect(await q.recheck(Date.now())).toBe(0);
      expect(await q.get(task.id)).toMatchObject({ status: "completed", progress: 100, result: summary(5) });
    },
  );
});
