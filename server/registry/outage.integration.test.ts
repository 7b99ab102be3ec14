import { afterEach, describe, expect, it } from "vitest";
import type { SystemNotice } from "@/lib/protocol";
import { connect, connectOk, tokenFor, waitFor } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { registryFeature, type RegistryService } from "./registry.feature";
import { eventually } from "./testing/wait";

describe("the registry through a Redis outage", () => {
  let redis: TestRedisServer | undefined;
  let server: TestInstance | undefined;
  afterEach(async () => {
    await server?.close();
    await redis?.stop();
  });

  async function start(appendOnly: boolean): Promise<RegistryService> {
    redis = await TestRedisServer.start({ appendOnly });
    server = await startInstance({
      redisUrl: redis.url,
      env: { INSTANCE_LEASE_MS: "1500" },
      features: [registryFeature],
    });
    return server.app.services.registry!;
  }

  /** Resolves once the instance has renewed its lease after `since`. */
  const heartbeatAfter = (service: RegistryService, since: number) =>
    eventually(async () => {
      const mine = (await service.registry.instances())[0];
      return mine !== undefined && mine.alive && mine.lastHeartbeat > since;
    }, "a heartbeat after the restart");

  it("keeps connected sockets, refuses new ones with UNAVAILABLE, and admits again once Redis is back", async () => {
    const service = await start(true);
    const token = await tokenFor("alice");
    const socket = await connectOk(server!.url, { token });

    await redis!.kill();
    expect(await connect(server!.url, { token })).toMatchObject({ ok: false, code: "UNAVAILABLE" });
    expect((await socket.emitWithAck("system:ping", { t: 1 })).ok).toBe(true);

    await redis!.spawn();
    const back = Date.now();
    await eventually(async () => (await connect(server!.url, { token })).ok, "a handshake is admitted again");
    await heartbeatAfter(service, back);
    // Its entry survived (append-only Redis), so the socket stays and still counts.
    expect(socket.connected).toBe(true);
    expect((await service.registry.byUser("alice")).length).toBeGreaterThanOrEqual(1);
    socket.close();
  });

  it("closes the sockets a Redis that lost its data no longer knows, so that they reconnect and count again", async () => {
    await start(false);
    const socket = await connectOk(server!.url, { token: await tokenFor("bob") });
    const notice = waitFor<SystemNotice>(socket, "system:notice", 15_000);
    const closed = waitFor<string>(socket, "disconnect", 15_000);
    await redis!.restart();
    expect((await notice).kind).toBe("info");
    expect(await closed).toBe("io server disconnect");
  });
});
