import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminUpdate, InstanceRow } from "@/lib/protocol/admin";
import { connectOk, sessionCookieFor, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { eventually } from "../metrics/test-helpers";
import { adminClient, type AdminClient } from "./test-clients";

interface Watcher {
  socket: AdminClient;
  latest(): AdminUpdate | undefined;
}

function connectAdmin(
  url: string,
  opts: { token?: string; cookie?: string },
): Promise<{ ok: true; watcher: Watcher } | { ok: false; code: string }> {
  const socket = adminClient(url, opts);
  let latest: AdminUpdate | undefined;
  socket.on("admin:update", (u) => (latest = u));
  return new Promise((resolve) => {
    socket.once("connect", () => resolve({ ok: true, watcher: { socket, latest: () => latest } }));
    socket.once("connect_error", (err) => {
      socket.close();
      resolve({ ok: false, code: err.message });
    });
    socket.connect();
  });
}

const row = (u: AdminUpdate | undefined, id: string): InstanceRow | undefined =>
  u?.instances.find((r) => r.id === id);

describe("admin view across instances", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;
  let watcher: Watcher;
  beforeAll(async () => {
    // Append-only, as production runs it: the outage test restarts Redis, and users and API tokens live there. An
    // empty Redis after the restart would rightly close the watcher's socket as revoked.
    redis = await TestRedisServer.start({ appendOnly: true });
    [a, b] = await Promise.all([
      startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-a" } }),
      startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-b" } }),
    ]);
    const outcome = await connectAdmin(a.url, { token: await tokenFor("root", "admin") });
    if (!outcome.ok) throw new Error(`admin refused: ${outcome.code}`);
    watcher = outcome.watcher;
  });
  afterAll(async () => {
    watcher?.socket.close();
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("shows 3 clients on A and 2 on B, and the counts fall back when they leave", async () => {
    await eventually(() => expect(row(watcher.latest(), "inst-b")?.state).toBe("live"));
    const clients: TestSocket[] = [];
    for (const [url, name] of [
      [a.url, "alice"],
      [a.url, "bob"],
      [a.url, "alice"],
      [b.url, "carol"],
      [b.url, "bob"],
    ] as const) {
      clients.push(await connectOk(url, { token: await tokenFor(name) }));
    }
    const connectedAt = Date.now();
    await eventually(() => {
      const u = watcher.latest();
      expect(u?.current.connections).toBe(5);
      expect(row(u, "inst-a")?.connections.total).toBe(3);
      expect(row(u, "inst-b")?.connections.total).toBe(2);
    });
    const tookMs = Date.now() - connectedAt;
    console.log(`admin view showed 5 connections ${tookMs} ms after the last connect`);
    const u = watcher.latest()!;
    // bob is on both instances and counts once.
    expect(u.current.users).toBe(3);
    expect(u.usersExact).toBe(true);
    expect(row(u, "inst-a")).toMatchObject({ users: 2, mode: "redis" });

    for (const c of clients) c.close();
    await eventually(() => {
      const after = watcher.latest();
      expect(after?.current.connections).toBe(0);
      expect(row(after, "inst-a")?.connections.total).toBe(0);
      expect(row(after, "inst-b")?.connections.total).toBe(0);
      expect(after?.current.users).toBe(0);
    });
  });

  it("answers admin:history with one-second points and the instances", async () => {
    await eventually(() => expect(watcher.latest()?.appended).toBeDefined(), 5_000);
    const history = await watcher.socket.emitWithAck("admin:history", {});
    if (!history.ok) throw new Error(history.error.message);
    expect(history.historySeconds).toBe(900);
    expect(history.points.length).toBeGreaterThan(0);
    expect(history.points.length).toBeLessThanOrEqual(900);
    const ts = history.points.map((p) => p.t);
    expect(ts).toEqual([...ts].sort((x, y) => x - y));
    expect(history.instances.map((r) => r.id)).toEqual(expect.arrayContaining(["inst-a", "inst-b"]));
    const bad = await watcher.socket.emitWithAck("admin:history", { all: true } as never);
    expect(bad).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });

  it("rebuilds the recent history on a newly started instance from Redis", async () => {
    const c = await startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-c" } });
    try {
      const outcome = await connectAdmin(c.url, { token: await tokenFor("root", "admin") });
      if (!outcome.ok) throw new Error(outcome.code);
      const history = await outcome.watcher.socket.emitWithAck("admin:history", {});
      if (!history.ok) throw new Error(history.error.message);
      // inst-c has been up for well under a second, yet shows the seconds before it started.
      expect(history.points.length).toBeGreaterThan(1);
      expect(history.instances.map((r) => r.id)).toEqual(expect.arrayContaining(["inst-a", "inst-b"]));
      outcome.watcher.socket.close();
    } finally {
      await c.close();
    }
    await eventually(() => expect(row(watcher.latest(), "inst-c")?.state).toBe("stopped"));
  });

  it("marks a crashed instance as gone, keeping its row", async () => {
    const d = await startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-d" } });
    await eventually(() => expect(row(watcher.latest(), "inst-d")?.state).toBe("live"));
    // Its Redis connection dies: no more heartbeats, and no goodbye.
    d.backends.redis!.command.disconnect();
    await eventually(() => {
      const u = watcher.latest();
      expect(row(u, "inst-d")?.state).toBe("gone");
      expect(u?.current.instances).toBe(2);
    }, 15_000);
    await d.close();
  });

  it("during a Redis outage still shows itself, says Redis is down, and recovers", async () => {
    await eventually(() => expect(row(watcher.latest(), "inst-b")?.state).toBe("live"));
    await redis.kill();
    try {
      await eventually(() => {
        const u = watcher.latest();
        expect(u?.redis).toBe("down");
        expect(row(u, "inst-a")?.state).toBe("live");
        // B may be fine, but A cannot hear it: it says so rather than showing stale numbers as live.
        expect(row(u, "inst-b")?.state).toBe("gone");
      }, 15_000);
    } finally {
      await redis.spawn();
    }
    await eventually(() => {
      const u = watcher.latest();
      expect(u?.redis).toBe("up");
      expect(row(u, "inst-b")?.state).toBe("live");
    }, 20_000);
  });
});

describe("the /admin namespace refuses non-admins", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance();
  });
  afterAll(async () => {
    await server.close();
  });

  it("refuses a user with FORBIDDEN, a missing credential with UNAUTHORIZED, and admits an admin", async () => {
    const user = await connectAdmin(server.url, { token: await tokenFor("alice") });
    expect(user).toEqual({ ok: false, code: "FORBIDDEN" });
    const userCookie = await connectAdmin(server.url, { cookie: await sessionCookieFor("alice") });
    expect(userCookie).toEqual({ ok: false, code: "FORBIDDEN" });
    const anonymous = await connectAdmin(server.url, {});
    expect(anonymous).toEqual({ ok: false, code: "UNAUTHORIZED" });
    const admin = await connectAdmin(server.url, { cookie: await sessionCookieFor("admin", "admin") });
    expect(admin.ok).toBe(true);
    if (admin.ok) {
      await eventually(() => expect(admin.watcher.latest()?.instances[0]?.mode).toBe("embedded"));
      admin.watcher.socket.close();
    }
  });

  it("counts the refusals as FORBIDDEN rejections, and admin sockets not as connections", async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/pulseboard_handshake_rejections_total\{reason="FORBIDDEN"\} 2/);
    expect(text).toMatch(/pulseboard_connections\{transport="websocket"\} 0/);
  });
});
