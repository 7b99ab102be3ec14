import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@/server/testing/board-client";
import { tokenFor } from "@/server/testing/clients";
import { expectConverged, sharedChecklistBoard } from "@/server/testing/converge";
import { EditingClient } from "@/server/testing/editing-client";
import { startProcessInstance, type ProcessInstance } from "@/server/testing/process-instance";
import { TestPostgres } from "@/server/testing/postgres";
import { TestRedisServer } from "@/server/testing/redis-server";

/**
 * PostgreSQL, the system of record of two instances, is SIGKILLed while four clients edit, and started again 3 s
 * later on its data (fsync on). Edits meanwhile are refused as retryable and resent under the same opIds; no
 * process dies, nothing acknowledged is lost, and every client converges. The time to resume is printed.
 */
describe("fault: PostgreSQL is killed under edits", () => {
  let pg: TestPostgres;
  let redis: TestRedisServer;
  const instances: ProcessInstance[] = [];
  const clients: EditingClient[] = [];

  beforeAll(async () => {
    [pg, redis] = await Promise.all([TestPostgres.start({ fsync: true }), TestRedisServer.start()]);
    const databaseUrl = await pg.createDatabase();
    const env = (id: string) => ({
      REDIS_URL: redis.url,
      DATABASE_URL: databaseUrl,
      SEED_DEMO_USERS: "true",
      INSTANCE_ID: id,
      MAX_CONNECTIONS_PER_USER: "20",
    });
    instances.push(
      ...(await Promise.all([startProcessInstance(env("pg-a")), startProcessInstance(env("pg-b"))])),
    );
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(instances.map((i) => i.stop()));
    await Promise.all([redis?.stop(), pg?.stop()]);
  });

  it("loses no acknowledged op, keeps every process, and resumes once PostgreSQL is back", async () => {
    const [a, b] = instances as [ProcessInstance, ProcessInstance];
    const boardId = await sharedChecklistBoard(a.url, "alice", ["bob"], ["l1", "l2", "l3", "l4"]);
    const plan = [
      ["alice-a", "alice", a.url],
      ["bob-a", "bob", a.url],
      ["alice-b", "alice", b.url],
      ["bob-b", "bob", b.url],
    ] as const;
    for (const [i, [name, user, url]] of plan.entries()) {
      clients.push(new EditingClient(url, await tokenFor(user), name, boardId, `l${i + 1}`));
    }
    await eventually(() => expect(clients.every((c) => c.replica)).toBe(true));
    clients.forEach((c) => c.start(80));
    await eventually(() => expect(clients.every((c) => c.acked.size >= 5)).toBe(true), 60_000);

    await pg.kill();
    const killedAt = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    await pg.restart();
    const back = Date.now();
    // Generous: reconnecting pools and retrying clients are slow on a busy machine. The figure is printed.
    await eventually(
      () => expect(clients.every((c) => c.firstAckAfter(back) !== undefined)).toBe(true),
      60_000,
    );
    const resumed = Math.max(...clients.map((c) => c.firstAckAfter(back)!));
    const retried = clients.reduce((n, c) => n + [...c.retried.values()].reduce((x, y) => x + y, 0), 0);
    for (const inst of instances) expect(inst.child.exitCode).toBeNull();

    clients.forEach((c) => c.stop());
    await Promise.all(clients.map((c) => c.drained(60_000)));
    const { items, rev } = await expectConverged(clients, a.url, boardId);
    for (const inst of instances) expect(inst.child.exitCode).toBeNull();
    console.log(
      `PostgreSQL down ${back - killedAt} ms; every client's edits acknowledged again ${resumed - back} ms after ` +
        `it was back; ${retried} refusals or timeouts retried; ${items} ops, board at rev ${rev}, none lost`,
    );
  }, 240_000);
});
