import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestPostgres } from "../testing/postgres";
import { TestRedisServer } from "../testing/redis-server";

/** Polls `url` until it answers `status`, for at most `ms`; returns the last status seen. */
async function statusOf(url: string, status: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = (await fetch(url)).status;
    if (seen === status) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return seen;
}

describe("health with the database", () => {
  let pg: TestPostgres;
  let redis: TestRedisServer;
  let inst: TestInstance;
  let embedded: TestInstance;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    [pg, redis] = await Promise.all([TestPostgres.start(), TestRedisServer.start()]);
    const url = await pg.createDatabase();
    [inst, embedded] = await Promise.all([
      startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "health-a", DATABASE_URL: url } }),
      startInstance({ env: { INSTANCE_ID: "health-e" } }),
    ]);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    try {
      await Promise.all([inst?.close(), embedded?.close()]);
    } finally {
      await Promise.all([redis?.stop(), pg?.stop()]);
    }
  });

  it("reports the embedded SQLite database beside Redis (disabled)", async () => {
    const res = await fetch(`${embedded.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ok",
      mode: "embedded",
      redis: "disabled",
      database: "up",
    });
  });

  it("is not ready while PostgreSQL is down, stays live, and is ready again once it is back", async () => {
    const ok = await fetch(`${inst.url}/api/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "ok", mode: "redis", redis: "up", database: "up" });
    const socket = await connectOk(inst.url, { token: await tokenFor("alice") });
    sockets.push(socket);

    await pg.kill();
    try {
      const down = await fetch(`${inst.url}/api/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: "unavailable", redis: "up", database: "down" });
      const live = await fetch(`${inst.url}/api/live`);
      expect(live.status).toBe(200);
      // A change that cannot be stored is refused as retryable, and the process carries on.
      expect(await socket.emitWithAck("board:create", { title: "While down" })).toMatchObject({
        ok: false,
        error: { code: "UNAVAILABLE" },
      });
    } finally {
      await pg.spawn();
    }
    // The pool connects again by itself; readiness recovers without a restart.
    expect(await statusOf(`${inst.url}/api/health`, 200, 15_000)).toBe(200);
    expect(await socket.emitWithAck("board:create", { title: "After" })).toMatchObject({ ok: true });
  });
});
