import { afterEach, describe, expect, it } from "vitest";
import type { SystemNotice } from "@/lib/protocol";
import { allFeatures } from "../feature-list";
import { defineFeature } from "../features";
import { connectOk, tokenFor, waitFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";

describe("closing an instance when its dependencies misbehave", () => {
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it("drains its clients and closes while Redis is away", async () => {
    const redis = await TestRedisServer.start();
    cleanup.push(() => redis.stop());
    const instance: TestInstance = await startInstance({ redisUrl: redis.url });
    cleanup.push(() => instance.close());
    const socket: TestSocket = await connectOk(instance.url, { token: await tokenFor("alice") });
    cleanup.push(() => socket.close());
    const notice = waitFor<SystemNotice>(socket, "system:notice", 20_000);
    const gone = waitFor<string>(socket, "disconnect", 20_000);

    await redis.kill();
    await expect(instance.app.close()).resolves.toBeUndefined();
    expect((await notice).kind).toBe("draining");
    expect(await gone).toBe("io server disconnect");
  }, 30_000);

  it("goes on past a feature whose shutdown never finishes, and still runs the others", async () => {
    const ran: string[] = [];
    const stuck = defineFeature({
      name: "stuck",
      setup: (ctx) => ctx.onShutdown(() => new Promise<void>(() => ran.push("stuck"))),
    });
    const later = defineFeature({
      name: "later",
      setup: (ctx) => ctx.onShutdown(() => void ran.push("later")),
    });
    // Hooks run in reverse: "stuck" first, then "later", then the real features.
    const instance = await startInstance({ features: [later, stuck, ...allFeatures()] });
    cleanup.push(() => instance.close());
    const socket = await connectOk(instance.url, { token: await tokenFor("alice") });
    cleanup.push(() => socket.close());

    await instance.app.close();
    expect(ran).toEqual(["stuck", "later"]);
    expect(socket.connected).toBe(false);
  }, 30_000);
});
