import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ErrorBody } from "@/lib/protocol/errors";
import type { TaskInfo } from "@/lib/protocol/tasks";
import { TestBoardClient, eventually } from "@/server/testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { TestRedisServer } from "@/server/testing/redis-server";
import { timeSeriesCsv } from "@/server/testing/tasks";

const layout = { x: 0, y: 0, w: 2, h: 2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LIMITS = {
  QUOTA_BOARDS_PER_USER: "3",
  QUOTA_STORED_BYTES_PER_USER: "4096",
  QUOTA_TASKS_CONCURRENT_PER_USER: "2",
  QUOTA_TASKS_PER_MINUTE_PER_USER: "6",
  QUOTA_BOARDS_JOINED_PER_SOCKET: "3",
};

/**
 * One user spending each quota is refused with QUOTA_EXCEEDED (413 or 429 over HTTP, the ack error on sockets)
 * while another user, bob, keeps committing edits on the same instance. In Redis mode the HTTP quotas are also
 * shared by two instances: a user does not get twice the limit by alternating between them.
 */
describe.each(["embedded", "redis"] as const)("per-user quotas (%s)", (mode) => {
  let redis: TestRedisServer | undefined;
  let server: TestInstance;
  const sockets: TestSocket[] = [];
  const instances: TestInstance[] = [];

  beforeAll(async () => {
    if (mode === "redis") redis = await TestRedisServer.start();
    server = await startInstance({
      redisUrl: redis?.url,
      seedDemoUsers: true,
      env: {
        ...LIMITS,
        WORKERS_INLINE: "true",
        TASK_UPLOAD_MAX_BYTES: "2048",
        // Imports of erin's slow files take a second per row, so they stay active while she submits more.
        TASK_IMPORT_BATCH_SIZE: "1",
        TASK_IMPORT_BATCHES_PER_SEC: "1",
        RATE_LIMIT_EVENTS_PER_SEC: "1000",
        RATE_LIMIT_BURST: "1000",
      },
    });
    instances.push(server);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all(instances.map((i) => i.close()));
    await redis?.stop();
  });

  async function connect(user: string, url = server.url): Promise<TestSocket> {
    const socket = await connectOk(url, { token: await tokenFor(user) });
    sockets.push(socket);
    return socket;
  }

  async function boardOf(socket: TestSocket, title: string): Promise<TestBoardClient> {
    const created = await socket.emitWithAck("board:create", { title });
    if (!created.ok) throw new Error(`${created.error.code}: ${created.error.message}`);
    const client = new TestBoardClient(socket, created.board.id);
    await client.join();
    return client;
  }

  const bobBoards = new Map<string, TestBoardClient>();
  let stopBob: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stopBob?.();
    stopBob = undefined;
  });

  /** Bob edits his own board as fast as acks come back, until stopped; every edit must commit. */
  async function bobKeepsEditing(url = server.url) {
    let client = bobBoards.get(url);
    if (!client) {
      client = await boardOf(await connect("bob", url), "Bob's");
      await client.op({ type: "widget.add", widget: { id: "k", type: "kpi", title: "Count", layout } });
      bobBoards.set(url, client);
    }
    let running = true;
    const latencies: number[] = [];
    const failures: ErrorBody[] = [];
    stopBob = async () => {
      running = false;
      await loop;
    };
    const loop = (async () => {
      for (let i = 0; running; i++) {
        const t0 = performance.now();
        const res = await client.op({ type: "kpi.value", widgetId: "k", value: i, baseRev: client.doc.rev });
        latencies.push(performance.now() - t0);
        if (!res.ok) failures.push(res.error);
        await sleep(5);
      }
    })();
    return async (label: string) => {
      running = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]?.toFixed(1);
      console.log(
        `[quota ${mode}] ${label}: bob committed ${latencies.length - failures.length}/${latencies.length} edits meanwhile (p50 ${p(0.5)} ms, p99 ${p(0.99)} ms)`,
      );
      expect(failures).toEqual([]);
      expect(latencies.length).toBeGreaterThan(0);
    };
  }

  async function upload(user: string, boardId: string, body: string) {
    const res = await fetch(`${server.url}/api/tasks/csv-import?boardId=${boardId}&widgetId=chart`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor(user)}`, "content-type": "text/csv" },
      body,
    });
    return {
      status: res.status,
      json: (await res.json()) as { ok: true; task: TaskInfo } | { ok: false; error: ErrorBody },
    };
  }

  async function chartBoard(user: string): Promise<TestBoardClient> {
    const client = await boardOf(await connect(user), `${user}'s charts`);
    await client.op({ type: "widget.add", widget: { id: "chart", type: "chart", title: "Load", layout } });
    return client;
  }

  async function settled(socket: TestSocket, taskId: string): Promise<TaskInfo> {
    let task: TaskInfo | undefined;
    await eventually(async () => {
      const list = await socket.emitWithAck("task:list", {});
      if (!list.ok) throw new Error(list.error.message);
      task = list.tasks.find((t) => t.id === taskId);
      expect(task?.status).toMatch(/completed|failed|cancelled/);
    }, 20_000);
    return task!;
  }

  it("stored bytes: uploads past the quota get 413 QUOTA_EXCEEDED; an imported upload frees its bytes", async () => {
    const done = await bobKeepsEditing();
    const alice = await chartBoard("alice");
    // A file with a bad row fails the import and is kept for a retry: it keeps counting.
    const kept = timeSeriesCsv(80, [0]);
    const sizes: number[] = [];
    let refused: { status: number; json: unknown } | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const res = await upload("alice", alice.boardId, kept);
      if (res.status === 202 && res.json.ok) {
        sizes.push(kept.length);
        await settled(alice.socket, res.json.task.id);
      } else refused = res;
    }
    console.log(
      `[quota ${mode}] stored bytes: limit 4096, admitted ${sizes.length} uploads of ${kept.length} bytes, then ${refused?.status}`,
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(4096);
    expect(refused?.status).toBe(413);
    expect(refused?.json).toMatchObject({
      ok: false,
      error: { code: "QUOTA_EXCEEDED", details: { quota: "stored-bytes", limit: 4096 } },
    });
    // A file that fits in what is left is admitted; then an export no longer fits: it fails, storing nothing.
    const left = 4096 - sizes.reduce((a, b) => a + b, 0);
    const filler = timeSeriesCsv(80, [0]).slice(0, left - 40);
    const fits = await upload("alice", alice.boardId, filler);
    expect(fits.status).toBe(202);
    if (fits.json.ok) await settled(alice.socket, fits.json.task.id);
    const exported = await alice.socket.emitWithAck("task:start", {
      kind: "board-export",
      boardId: alice.boardId,
    });
    if (!exported.ok) throw new Error(exported.error.message);
    const failed = await settled(alice.socket, exported.task.id);
    console.log(
      `[quota ${mode}] stored bytes: ${left - 40} more admitted, then the export ${failed.status}: ${failed.error?.message}`,
    );
    expect(failed.status).toBe("failed");
    expect(failed.error?.message).toMatch(/over the 4096 allowed/);
    // Another user's uploads are not affected; and an imported upload is deleted, which frees its bytes: three
    // files of 1,900 bytes (5,700 in all, over the 4,096) are admitted one after another.
    const erin = await chartBoard("erin");
    const file = timeSeriesCsv(1).padEnd(1900, "\n");
    for (let i = 0; i < 3; i++) {
      const res = await upload("erin", erin.boardId, file);
      expect(res.status).toBe(202);
      if (res.json.ok) expect((await settled(erin.socket, res.json.task.id)).status).toBe("completed");
    }
    await done("uploads past the storage quota");
  });

  it("boards owned: the creation past the quota is refused, even when they race", async () => {
    const done = await bobKeepsEditing();
    const carol = await connect("carol");
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => carol.emitWithAck("board:create", { title: `Carol ${i}` })),
    );
    const ok = results.filter((r) => r.ok).length;
    const list = await carol.emitWithAck("board:list", {});
    const owned = list.ok ? list.boards.filter((b) => b.owner === "carol").length : -1;
    console.log(
      `[quota ${mode}] boards owned: limit 3, 8 concurrent creations: ${ok} admitted, ${owned} owned`,
    );
    expect(owned).toBeLessThanOrEqual(3);
    expect(owned).toBe(ok);
    const refused = results.find((r) => !r.ok);
    expect(refused).toMatchObject({
      ok: false,
      error: { code: "QUOTA_EXCEEDED", details: { quota: "boards-owned" } },
    });
    // Until she has 3, a lone creation is admitted (concurrent ones near the limit may be refused early).
    for (let i = owned; i < 3; i++)
      expect((await carol.emitWithAck("board:create", { title: "More" })).ok).toBe(true);
    const past = await carol.emitWithAck("board:create", { title: "One too many" });
    expect(past).toMatchObject({ ok: false, error: { code: "QUOTA_EXCEEDED", details: { limit: 3 } } });
    await done("board creations past the quota");
  });

  it("boards joined: one socket cannot view more boards than the quota", async () => {
    const done = await bobKeepsEditing();
    const ivy = await connect("ivy");
    const alice = await connect("alice");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const board = await boardOf(ivy, `Ivy ${i}`);
      await board.op({ type: "member.set", user: "alice", role: "viewer" });
      ids.push(board.boardId);
    }
    const own = await alice.emitWithAck("board:list", {});
    if (!own.ok) throw new Error(own.error.message);
    const aliceBoard = own.boards.find((b) => b.owner === "alice")!.id;
    for (const id of ids) expect((await alice.emitWithAck("board:join", { boardId: id })).ok).toBe(true);
    const fourth = await alice.emitWithAck("board:join", { boardId: aliceBoard });
    console.log(`[quota ${mode}] boards joined: limit 3, fourth join answered ${JSON.stringify(fourth)}`);
    expect(fourth).toMatchObject({
      ok: false,
      error: { code: "QUOTA_EXCEEDED", details: { quota: "boards-joined" } },
    });
    // Joining one already joined again is no new board; leaving one makes room.
    expect((await alice.emitWithAck("board:join", { boardId: ids[0]! })).ok).toBe(true);
    expect((await alice.emitWithAck("board:leave", { boardId: ids[0]! })).ok).toBe(true);
    expect((await alice.emitWithAck("board:join", { boardId: aliceBoard })).ok).toBe(true);
    await done("joins past the quota");
  });

  it("tasks: concurrent and per-minute quotas refuse the extra task", async () => {
    const done = await bobKeepsEditing();
    // frank's slow imports (a second per row) stay active; the third is refused while two run.
    const frank = await chartBoard("frank");
    const slow = timeSeriesCsv(20);
    const first = await upload("frank", frank.boardId, slow);
    const second = await upload("frank", frank.boardId, slow);
    const third = await upload("frank", frank.boardId, slow);
    console.log(
      `[quota ${mode}] concurrent tasks: limit 2, uploads answered ${first.status}, ${second.status}, ${third.status}`,
    );
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(third.status).toBe(429);
    expect(third.json).toMatchObject({
      ok: false,
      error: { code: "QUOTA_EXCEEDED", details: { quota: "tasks-concurrent" } },
    });
    const summary = await frank.socket.emitWithAck("task:start", {
      kind: "chart-summary",
      boardId: frank.boardId,
      chartWidgetId: "chart",
    });
    expect(summary).toMatchObject({
      ok: false,
      error: { code: "QUOTA_EXCEEDED", details: { quota: "tasks-concurrent" } },
    });
    for (const r of [first, second]) {
      if (r.json.ok) await frank.socket.emitWithAck("task:cancel", { taskId: r.json.task.id });
    }
    // Six submissions a minute at most.
    const gina = await chartBoard("gina");
    const answers: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await gina.socket.emitWithAck("task:start", {
        kind: "chart-summary",
        boardId: gina.boardId,
        chartWidgetId: "chart",
      });
      answers.push(res.ok ? "ok" : String(res.error.details?.quota));
      if (res.ok) await settled(gina.socket, res.task.id);
    }
    console.log(`[quota ${mode}] tasks per minute: limit 6, eight starts answered ${answers.join(", ")}`);
    expect(answers).toEqual(["ok", "ok", "ok", "ok", "ok", "ok", "tasks-per-minute", "tasks-per-minute"]);
    await done("tasks past the quotas");
  });

  it("HTTP requests per minute, per user and per address, across instances", async () => {
    const env = {
      QUOTA_HTTP_PER_MINUTE_PER_USER: "10",
      QUOTA_HTTP_PER_MINUTE_PER_IP: "25",
      REDIS_KEY_PREFIX: "pbhttp",
      RATE_LIMIT_EVENTS_PER_SEC: "1000",
      RATE_LIMIT_BURST: "1000",
    };
    const a = await startInstance({ redisUrl: redis?.url, seedDemoUsers: true, env });
    instances.push(a);
    const urls = [a.url];
    if (mode === "redis") {
      const b = await startInstance({ redisUrl: redis?.url, env: { ...env, INSTANCE_ID: "http-b" } });
      instances.push(b);
      urls.push(b.url);
    }
    const done = await bobKeepsEditing(a.url);
    const token = await tokenFor("alice");
    const statuses: number[] = [];
    let refusal: unknown;
    for (let i = 0; i < 15; i++) {
      const res = await fetch(`${urls[i % urls.length]}/api/sessions`, {
        headers: { authorization: `Bearer ${token}` },
      });
      statuses.push(res.status);
      const body = (await res.json()) as unknown;
      if (res.status === 429) refusal ??= body;
    }
    const admitted = statuses.filter((s) => s !== 429).length;
    console.log(
      `[quota ${mode}] HTTP per user: limit 10 over ${urls.length} instance(s): ${admitted} admitted, ${statuses.length - admitted} refused`,
    );
    expect(admitted).toBe(10);
    expect(refusal).toMatchObject({
      ok: false,
      error: { code: "QUOTA_EXCEEDED", details: { quota: "http-per-minute-user" } },
    });
    // Another signed-in user is not affected by alice's quota, until the address runs out.
    const other = await fetch(`${urls[0]}/api/sessions`, {
      headers: { authorization: `Bearer ${await tokenFor("carol")}` },
    });
    expect(other.status).not.toBe(429);
    let byIp: Response | undefined;
    let anonymous = 0;
    for (let i = 0; i < 30 && !byIp; i++) {
      const res = await fetch(`${urls[i % urls.length]}/api/meta`);
      if (res.status === 429) byIp = res;
      else anonymous++;
    }
    console.log(
      `[quota ${mode}] HTTP per address: limit 25, ${statuses.length + 1} signed-in requests then ${anonymous} anonymous admitted`,
    );
    expect(statuses.length + 1 + anonymous).toBe(25);
    expect(await byIp?.json()).toMatchObject({
      error: { code: "QUOTA_EXCEEDED", details: { quota: "http-per-minute-ip" } },
    });
    // Probes are never metered.
    expect((await fetch(`${urls[0]}/api/live`)).status).toBe(200);
    await done("HTTP requests past the quotas");
  });
});
