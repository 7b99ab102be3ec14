import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SystemNotice } from "@/lib/protocol";
import { connectOk, tokenFor, waitFor } from "../testing/clients";
import { startInstancesOnRedis, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { userRoom } from "./types";

describe("two instances on one Redis", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;
  beforeAll(async () => {
    redis = await TestRedisServer.start();
    [a, b] = await startInstancesOnRedis(redis.url, ["inst-a", "inst-b"]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("delivers an event sent to user:<id> on A to that user's socket on B, and to nobody else", async () => {
    const alice = await connectOk(b.url, { token: await tokenFor("alice") });
    const bob = await connectOk(b.url, { token: await tokenFor("bob") });
    let bobGot = 0;
    bob.on("system:notice", () => bobGot++);
    const info = await alice.emitWithAck("session:info", {});
    expect(info).toMatchObject({ ok: true, instanceId: "inst-b" });

    const received = waitFor<SystemNotice>(alice, "system:notice");
    a.app.io
      .to(userRoom("alice"))
      .emit("system:notice", { kind: "info", message: "hello from A", at: Date.now() });
    expect(await received).toMatchObject({ kind: "info", message: "hello from A" });
    // A ping round trip on bob's socket orders after any broadcast B would have delivered to it.
    await bob.emitWithAck("system:ping", { t: 1 });
    expect(bobGot).toBe(0);
    alice.close();
    bob.close();
  });

  it("reports Redis in readiness, and 503 when Redis is gone", async () => {
    const ok = await fetch(`${a.url}/api/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: "ok", mode: "redis", redis: "up", instanceId: "inst-a" });
    await redis.kill();
    try {
      const down = await fetch(`${a.url}/api/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: "unavailable", redis: "down" });
      const live = await fetch(`${a.url}/api/live`);
      expect(live.status).toBe(200);
    } finally {
      await redis.spawn();
    }
    // ioredis reconnects by itself; readiness recovers without a restart.
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await fetch(`${a.url}/api/health`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
  });
});
