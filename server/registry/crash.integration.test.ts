import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, connectOk, tokenFor, waitFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { registryFeature, type RegistryService } from "./registry.feature";
import { startProcessInstance, type ProcessInstance } from "../testing/process-instance";
import { eventually } from "./testing/wait";

const LEASE_MS = 3_000;

describe("crash: an instance killed with SIGKILL", () => {
  let redis: TestRedisServer;
  let survivor: TestInstance;
  let victim: ProcessInstance;
  let registry: RegistryService["registry"];

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    const env = { INSTANCE_LEASE_MS: String(LEASE_MS), MAX_CONNECTIONS_PER_USER: "3" };
    [survivor, victim] = await Promise.all([
      startInstance({
        redisUrl: redis.url,
        env: { ...env, INSTANCE_ID: "survivor" },
        features: [registryFeature],
      }),
      startProcessInstance({ ...env, REDIS_URL: redis.url, INSTANCE_ID: "victim" }),
    ]);
    registry = survivor.app.services.registry!.registry;
  }, 90_000);
  afterAll(async () => {
    await victim?.stop();
    await survivor?.close();
    await redis?.stop();
  });

  it("lets the dead instance's entries lapse within the lease, after which its users connect elsewhere", async () => {
    const token = await tokenFor("alice");
    const onVictim: TestSocket[] = [];
    for (let i = 0; i < 3; i++) onVictim.push(await connectOk(victim.url, { token }));
    await eventually(
      async () => (await registry.byInstance("victim")).length === 3,
      "the victim's entries show",
    );
    // The limit holds across instances: the survivor refuses a fourth.
    expect(await connect(survivor.url, { token })).toMatchObject({ ok: false, code: "CONNECTION_LIMIT" });

    const dropped = onVictim.map((s) => waitFor<string>(s, "disconnect", 10_000));
    const killedAt = Date.now();
    victim.signal("SIGKILL");
    expect((await victim.exited).signal).toBe("SIGKILL");
    await Promise.all(dropped);
    onVictim.forEach((s) => s.close());

    // Nobody released them: they are still counted until the lease lapses.
    expect((await registry.byInstance("victim")).length).toBe(3);
    expect((await registry.instances()).find((i) => i.instanceId === "victim")?.alive).toBe(true);

    // Every lease was renewed before the kill, so each ends at most LEASE_MS after it.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + LEASE_MS + 300 - Date.now())));
    expect(await registry.byInstance("victim")).toEqual([]);
    expect(await registry.byUser("alice")).toEqual([]);
    expect((await registry.instances()).find((i) => i.instanceId === "victim")).toMatchObject({
      alive: false,
    });

    const back: TestSocket[] = [];
    for (let i = 0; i < 3; i++) back.push(await connectOk(survivor.url, { token }));
    expect((await registry.byInstance("survivor")).length).toBe(3);
    back.forEach((s) => s.close());
    await eventually(async () => (await registry.count()) === 0, "the survivor's sockets are released");
  });
});
