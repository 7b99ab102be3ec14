import { SYSTEM_ACTOR } from "../audit/audit-log";
import { io } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SystemNotice } from "@/lib/protocol";
import type { NotificationItem } from "@/lib/protocol/notifications";
import type { TaskInfo } from "@/lib/protocol/tasks";
import { TestBoardClient } from "../testing/board-client";
import { connect, connectOk, tokenFor, waitFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { eventually } from "../metrics/test-helpers";
import type { ConnectionRegistry } from "../registry/types";
import { adminWatcher, type AdminWatcher } from "./test-clients";

const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/** A main-namespace socket with a browser's user agent. */
function browserSocket(url: string, token: string): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    transports: ["websocket"],
    extraHeaders: { "user-agent": CHROME_LINUX },
    auth: { token },
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (err) => reject(err));
    socket.connect();
  });
}

describe("admin actions across two instances on one Redis", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;
  let registry: ConnectionRegistry;
  const open: TestSocket[] = [];
  const watchers: AdminWatcher[] = [];
  const token = (name: string) => tokenFor(name);
  const watch = async (instance: TestInstance) => {
    const w = await adminWatcher(instance.url, await tokenFor("admin", "admin"));
    watchers.push(w);
    return w;
  };
  const user = async (instance: TestInstance, name: string) => {
    const socket = await browserSocket(instance.url, await token(name));
    open.push(socket);
    return socket;
  };

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    // One after the other: both seed the demo users into the same Redis.
    a = await startInstance({
      redisUrl: redis.url,
      seedDemoUsers: true,
      env: { INSTANCE_ID: "inst-a", WORKERS_INLINE: "true" },
    });
    b = await startInstance({ redisUrl: redis.url, seedDemoUsers: true, env: { INSTANCE_ID: "inst-b" } });
    await a.backends.users.create(
      { name: "carol", role: "user", passwordHash: "-", createdAt: Date.now() },
      SYSTEM_ACTOR,
    );
    registry = a.app.services.registry!.registry;
  });
  afterEach(async () => {
    watchers.splice(0).forEach((w) => w.close());
    open.splice(0).forEach((s) => s.close());
    await eventually(async () => expect(await registry.count()).toBe(0));
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("shows each user's connections per instance, live, with search and pages", async () => {
    const watcher = await watch(a);
    expect(await watcher.watchUsers()).toMatchObject({ totalUsers: 0, rows: [], page: 1, pages: 1 });

    const [alice1] = [await user(a, "alice"), await user(a, "alice"), await user(b, "alice")];
    await user(b, "bob");
    // Pushed without asking again: the admin's socket is on A, two of the connections on B.
    await eventually(() => {
      const page = watcher.users();
      expect(page).toMatchObject({ totalUsers: 2, totalConnections: 4, matchingUsers: 2 });
      expect(page?.rows.map((r) => r.name)).toEqual(["alice", "bob"]);
      expect(page?.rows[0]).toMatchObject({
        connectionCount: 3,
        perInstance: { "inst-a": 2, "inst-b": 1 },
        limit: 5,
        limitSource: "default",
      });
    });
    const alice = watcher.users()!.rows[0]!;
    expect(alice.connections.map((c) => c.instanceId)).toEqual(["inst-a", "inst-a", "inst-b"]);
    for (const c of alice.connections) {
      expect(c).toMatchObject({ transport: "websocket", browser: "Chrome 156 on Linux", via: "token" });
      expect(c.ip).toMatch(/127\.0\.0\.1/);
      expect(Date.now() - c.connectedAt).toBeLessThan(60_000);
    }

    expect((await watcher.watchUsers({ search: "ALI" })).rows.map((r) => r.name)).toEqual(["alice"]);
    const none = await watcher.watchUsers({ search: "nobody" });
    expect(none).toMatchObject({ rows: [], matchingUsers: 0, totalUsers: 2, search: "nobody" });
    // A page past the end is clamped to the last one.
    expect(await watcher.watchUsers({ page: 9 })).toMatchObject({ page: 1, pages: 1 });

    alice1!.close();
    await eventually(() =>
      expect(watcher.users()?.rows[0]).toMatchObject({
        name: "alice",
        perInstance: { "inst-a": 1, "inst-b": 1 },
      }),
    );
    const bad = await watcher.socket.emitWithAck("admin:users", { page: 0 });
    expect(bad).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });

  it("disconnects a user everywhere: every socket gets the notice, then closes, and the entries are gone", async () => {
    const watcher = await watch(b);
    const alices = [await user(a, "alice"), await user(a, "alice"), await user(b, "alice")];
    const bob = await user(b, "bob");
    const seen = alices.map((s) => {
      const events: string[] = [];
      s.on("system:notice", (n: SystemNotice) => events.push(`notice:${n.kind}`));
      s.on("disconnect", (reason) => events.push(`disconnect:${reason}`));
      return events;
    });

    const asked = performance.now();
    const outcome = await watcher.socket.timeout(10_000).emitWithAck("admin:disconnect-user", {
      user: "alice",
    });
    console.log(`disconnect everywhere answered in ${Math.round(performance.now() - asked)} ms`);
    expect(outcome).toEqual({
      ok: true,
      user: "alice",
      closed: 3,
      perInstance: { "inst-a": 2, "inst-b": 1 },
      unanswered: 0,
      released: 0,
    });
    // Released before the ack: the registry holds nothing of alice's any more, on any instance.
    expect(await registry.byUser("alice")).toEqual([]);
    await eventually(() => {
      for (const events of seen)
        expect(events).toEqual(["notice:disconnected-by-admin", "disconnect:io server disconnect"]);
    });
    expect(bob.connected).toBe(true);
    expect(await registry.byUser("bob")).toHaveLength(1);

    const nobody = await watcher.socket.emitWithAck("admin:disconnect-user", { user: "carol" });
    expect(nobody).toMatchObject({ ok: true, closed: 0, perInstance: {} });
    const bad = await watcher.socket.emitWithAck("admin:disconnect-user", { user: "No Such!" });
    expect(bad).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });

  it("announces to connected users on both instances and to the feed of an offline user", async () => {
    const watcher = await watch(a);
    const alice = await user(a, "alice");
    const carol = await user(b, "carol");
    const notices = [alice, carol].map((s) => waitFor<SystemNotice>(s, "system:notice"));
    const items = [alice, carol].map((s) => waitFor<{ item: NotificationItem }>(s, "notify:new"));

    const message = "Maintenance tonight at 22:00 UTC; boards stay readable.";
    const res = await watcher.socket.timeout(10_000).emitWithAck("admin:announce", { message });
    if (!res.ok) throw new Error(res.error.message);
    // alice, bob, carol and admin: every known user, connected or not.
    expect(res).toMatchObject({ recipients: 4, failed: 0 });
    for (const notice of await Promise.all(notices))
      expect(notice).toEqual({ kind: "announcement", message, at: res.at });
    for (const { item } of await Promise.all(items))
      expect(item).toMatchObject({ kind: "announcement", body: message, by: "admin", read: false });

    // bob was offline: he finds it in his feed when he connects.
    const bob = await user(b, "bob");
    const feed = await bob.emitWithAck("notify:list", {});
    if (!feed.ok) throw new Error(feed.error.message);
    expect(feed.items[0]).toMatchObject({ kind: "announcement", title: "Announcement", body: message });
    expect(feed.unread).toBeGreaterThanOrEqual(1);

    for (const bad of ["   ", "x".repeat(501)]) {
      const refused = await watcher.socket.emitWithAck("admin:announce", { message: bad });
      expect(refused).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    }
  });

  it("edits the global and per-user limits, which apply on both instances and show in every panel", async () => {
    const [onA, onB] = [await watch(a), await watch(b)];
    await Promise.all([onA.watchUsers(), onB.watchUsers()]);
    try {
      const lowered = await onA.socket.emitWithAck("admin:set-limit", { limit: 2 });
      expect(lowered).toMatchObject({ ok: true, limits: { default: 2, defaultSource: "runtime" } });
      const bobToken = await token("bob");
      open.push(await connectOk(b.url, { token: bobToken }), await connectOk(a.url, { token: bobToken }));
      expect(await connect(a.url, { token: bobToken })).toMatchObject({
        ok: false,
        code: "CONNECTION_LIMIT",
        data: { limit: 2, active: 2 },
      });
      // The panel on B shows the new default, and bob's effective limit, without asking.
      await eventually(() => {
        const page = onB.users();
        expect(page?.limits).toMatchObject({ default: 2, defaultSource: "runtime" });
        expect(page?.rows.find((r) => r.name === "bob")).toMatchObject({
          connectionCount: 2,
          limit: 2,
          limitSource: "default",
        });
      });

      // A per-user override set on B applies on A for the very next connection.
      const raised = await onB.socket.emitWithAck("admin:set-limit", { user: "bob", limit: 3 });
      expect(raised).toMatchObject({ ok: true, limits: { users: { bob: 3 } } });
      open.push(await connectOk(a.url, { token: bobToken }));
      expect(await connect(a.url, { token: bobToken })).toMatchObject({ ok: false, data: { limit: 3 } });
      await eventually(() =>
        expect(onA.users()?.rows.find((r) => r.name === "bob")).toMatchObject({
          connectionCount: 3,
          limit: 3,
          limitSource: "user",
        }),
      );

      for (const bad of [
        { limit: 0 },
        { limit: 2.5 },
        { limit: 10_001 },
        { user: "Not A Name!", limit: 3 },
      ]) {
        const refused = await onA.socket.emitWithAck("admin:set-limit", bad);
        expect(refused).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
      }
    } finally {
      await onA.socket.emitWithAck("admin:set-limit", { user: "bob", limit: null });
      const reset = await onA.socket.emitWithAck("admin:set-limit", { limit: null });
      expect(reset).toMatchObject({ ok: true, limits: { default: 5, defaultSource: "config", users: {} } });
    }
  });

  it("shows queue counts and failures live, and retries a failed task", async () => {
    const watcher = await watch(b);
    const first = await watcher.socket.emitWithAck("admin:queue", {});
    if (!first.ok) throw new Error(first.error.message);
    const before = first.counts;

    const alice = await user(a, "alice");
    const updates: { task: TaskInfo; at: number }[] = [];
    alice.on("task:update", (msg) => updates.push(msg));
    const created = await alice.emitWithAck("board:create", { title: "Queue test" });
    if (!created.ok) throw new Error(created.error.message);
    const board = new TestBoardClient(alice, created.board.id);
    await board.join();
    const layout = { x: 0, y: 0, w: 6, h: 4 };
    await board.op({ type: "widget.add", widget: { id: "chart", type: "chart", title: "Empty", layout } });
    const started = await alice.emitWithAck("task:start", {
      kind: "chart-summary",
      boardId: created.board.id,
      chartWidgetId: "chart",
    });
    if (!started.ok) throw new Error(started.error.message);
    const taskId = started.task.id;

    // The failure is pushed to the admin on B; the task ran on A.
    await eventually(() => {
      const stats = watcher.queue();
      expect(stats?.counts.failed).toBe(before.failed + 1);
      expect(stats?.failed.find((t) => t.id === taskId)?.error?.message).toBe(
        "the chart has no data to summarize",
      );
    }, 15_000);
    // Every task push carries the server's stamp, for delivery latency.
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates) expect(typeof u.at).toBe("number");

    await board.op({
      type: "chart.append",
      widgetId: "chart",
      points: [
        [1, 2],
        [2, 4],
        [3, 9],
      ],
    });
    const retried = await watcher.socket.emitWithAck("admin:retry-task", { taskId });
    expect(retried).toMatchObject({ ok: true, task: { id: taskId, status: "queued", owner: "alice" } });
    await eventually(() => {
      const stats = watcher.queue();
      expect(stats?.failed.some((t) => t.id === taskId)).toBe(false);
      expect(stats?.counts.failed).toBe(before.failed);
      expect(stats?.counts.completed).toBe(before.completed + 1);
    }, 15_000);
    await eventually(() => expect(updates.at(-1)?.task).toMatchObject({ id: taskId, status: "completed" }));

    const again = await watcher.socket.emitWithAck("admin:retry-task", { taskId });
    expect(again).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    const unknown = await watcher.socket.emitWithAck("admin:retry-task", { taskId: "no-such-task" });
    expect(unknown).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });
});
