import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBalancer, type Balancer } from "@/server/testing/balancer";
import { eventually } from "@/server/testing/board-client";
import { tokenFor } from "@/server/testing/clients";
import { EditingClient } from "@/server/testing/editing-client";
import { startProcessInstance, type ProcessInstance } from "@/server/testing/process-instance";
import { TestRedisServer } from "@/server/testing/redis-server";
import { expectConverged, sharedChecklistBoard } from "@/server/testing/converge";

/**
 * A rolling deploy: each of two instances in turn gets SIGTERM, drains, and is started again on the same port,
 * while clients behind a balancer keep editing. No acknowledged op is lost and every client ends on the same board.
 */
describe("fault: rolling restart while clients edit", () => {
  let redis: TestRedisServer;
  const instances: ProcessInstance[] = [];
  let balancers: Balancer[] = [];
  const clients: EditingClient[] = [];
  const env = (id: string) => ({
    REDIS_URL: redis.url,
    SEED_DEMO_USERS: "true",
    INSTANCE_ID: id,
    INSTANCE_LEASE_MS: "3000",
    SHUTDOWN_TIMEOUT_MS: "8000",
    MAX_CONNECTIONS_PER_USER: "20",
  });

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    instances.push(
      ...(await Promise.all([startProcessInstance(env("roll-a")), startProcessInstance(env("roll-b"))])),
    );
    const [a, b] = instances as [ProcessInstance, ProcessInstance];
    balancers = await Promise.all([startBalancer([a.url, b.url]), startBalancer([b.url, a.url])]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(balancers.map((x) => x.close()));
    await Promise.all(instances.map((i) => i.stop()));
    await redis?.stop();
  });

  it("loses no acknowledged op and converges", async () => {
    const [a] = instances as [ProcessInstance, ProcessInstance];
    const boardId = await sharedChecklistBoard(a.url, "alice", ["bob"], ["l1", "l2", "l3", "l4"]);
    const plan = [
      ["alice-1", "alice", balancers[0]!.url],
      ["bob-1", "bob", balancers[0]!.url],
      ["alice-2", "alice", balancers[1]!.url],
      ["bob-2", "bob", balancers[1]!.url],
    ] as const;
    for (const [i, [name, user, url]] of plan.entries()) {
      clients.push(new EditingClient(url, await tokenFor(user), name, boardId, `l${i + 1}`));
    }
    await eventually(() => expect(clients.every((c) => c.replica)).toBe(true));
    clients.forEach((c) => c.start(80));

    for (const [i, id] of ["roll-a", "roll-b"].entries()) {
      // Generous waits: the instance processes start and clients reconnect slowly on a busy machine.
      await eventually(
        () =>
          expect(
            clients.every((c) => c.acked.size >= 5 * (i + 1)),
            clients.map((c) => c.describe()).join("\n"),
          ).toBe(true),
        60_000,
      );
      const old = instances[i]!;
      const port = Number(new URL(old.url).port);
      old.signal("SIGTERM");
      const exit = await old.exited;
      expect(exit.code).toBe(0);
      await old.stop();
      instances[i] = await startProcessInstance(env(id), { port });
      const back = Date.now();
      await eventually(
        () =>
          expect(
            clients.every((c) => c.firstAckAfter(back) !== undefined),
            `no ack since ${id} came back for: ` +
              clients
                .filter((c) => c.firstAckAfter(back) === undefined)
                .map((c) => c.describe())
                .join("\n") +
              `\n${id}'s output: ${instances[i]!.output()}`,
          ).toBe(true),
        60_000,
      );
    }

    clients.forEach((c) => c.stop());
    await Promise.all(clients.map((c) => c.drained()));
    const { items, rev } = await expectConverged(clients, instances[0]!.url, boardId);
    console.log(`${items} ops through two restarts, board at rev ${rev}`);
  }, 300_000);
});
