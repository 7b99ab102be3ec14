import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBalancer, type Balancer } from "../testing/balancer";
import { eventually } from "../testing/board-client";
import { connectOk, tokenFor } from "../testing/clients";
import { EditingClient } from "../testing/editing-client";
import { startProcessInstance, type ProcessInstance } from "../testing/process-instance";
import { TestRedisServer } from "../testing/redis-server";
import { expectConverged, sharedChecklistBoard } from "./setup";

const LEASE_MS = 3_000;

/**
 * One of two instances is SIGKILLed while clients on both edit. Its clients reconnect through the balancer to
 * the survivor and recover every op they missed; its registry and presence entries clear within the lease.
 */
describe("fault: an instance crashes under load", () => {
  let redis: TestRedisServer;
  let a: ProcessInstance;
  let b: ProcessInstance;
  let toA: Balancer;
  let toB: Balancer;
  const clients: EditingClient[] = [];

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    const env = {
      REDIS_URL: redis.url,
      SEED_DEMO_USERS: "true",
      INSTANCE_LEASE_MS: String(LEASE_MS),
      MAX_CONNECTIONS_PER_USER: "20",
    };
    [a, b] = await Promise.all([
      startProcessInstance({ ...env, INSTANCE_ID: "crash-a" }),
      startProcessInstance({ ...env, INSTANCE_ID: "crash-b" }),
    ]);
    // Two balancers with opposite preferences: clients behind the first land on A while it is alive.
    [toA, toB] = await Promise.all([startBalancer([a.url, b.url]), startBalancer([b.url, a.url])]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all([toA?.close(), toB?.close()]);
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it("moves A's clients to B with nothing missed, and forgets A's connections within the lease", async () => {
    const boardId = await sharedChecklistBoard(b.url, "alice", ["bob"], ["l1", "l2", "l3", "l4"]);
    const plan = [
      ["alice-on-a", "alice", toA.url],
      ["bob-on-a", "bob", toA.url],
      ["alice-on-b", "alice", toB.url],
      ["bob-on-b", "bob", toB.url],
    ] as const;
    for (const [i, [name, user, url]] of plan.entries()) {
      clients.push(new EditingClient(url, await tokenFor(user), name, boardId, `l${i + 1}`));
    }
    await eventually(() => expect(clients.every((c) => c.replica)).toBe(true));
    clients.forEach((c) => c.start(60));
    await eventually(() => expect(clients.every((c) => c.acked.size >= 10)).toBe(true), 15_000);

    const admin = await tokenFor("admin", "admin");
    const registryOf = async () => {
      const res = await fetch(`${b.url}/api/admin/registry`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      return (await res.json()) as { connections: { instanceId: string }[] } & Record<string, unknown>;
    };
    const onA = (r: { connections?: { instanceId: string }[] }) =>
      (r.connections ?? []).filter((c) => c.instanceId === "crash-a").length;
    expect(onA(await registryOf())).toBeGreaterThanOrEqual(2);

    a.signal("SIGKILL");
    const killedAt = (await a.exited).at;
    // A's clients are back, on B, and edit again; the clients on B never stopped.
    await eventually(
      () => expect(clients.every((c) => c.firstAckAfter(killedAt) !== undefined)).toBe(true),
      20_000,
    );
    console.log(
      `A's clients editing again ${Math.max(...clients.map((c) => c.firstAckAfter(killedAt)! - killedAt))} ms after the crash`,
    );

    // A's registry entries leave within the lease.
    await eventually(async () => expect(onA(await registryOf())).toBe(0), LEASE_MS + 5_000);
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 5_000);

    // Presence counts only live connections: each user has their two clients, both on B now.
    const viewer = await connectOk(b.url, { token: await tokenFor("alice") });
    try {
      await eventually(async () => {
        const joined = await viewer.emitWithAck("board:join", { boardId });
        expect(joined.ok && joined.presence.find((v) => v.user === "bob")?.connections).toBe(2);
      }, LEASE_MS + 5_000);
    } finally {
      viewer.close();
    }

    clients.forEach((c) => c.stop());
    await Promise.all(clients.map((c) => c.drained()));
    const { items } = await expectConverged(clients, b.url, boardId);
    expect(b.child.exitCode).toBeNull();
    console.log(`${items} ops converged after the crash`);
  }, 120_000);
});
