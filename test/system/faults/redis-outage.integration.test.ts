import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenFor } from "@/server/testing/clients";
import { EditingClient } from "@/server/testing/editing-client";
import { eventually } from "@/server/testing/board-client";
import { startProcessInstance, type ProcessInstance } from "@/server/testing/process-instance";
import { TestRedisServer } from "@/server/testing/redis-server";
import { expectConverged, sharedChecklistBoard } from "@/server/testing/converge";

/**
 * Redis is SIGKILLed under two instances whose clients keep editing, and restarted 3 s later from its append-only
 * file. The boards are in PostgreSQL, so edits keep being committed and acknowledged while Redis is away (their
 * broadcasts are lost, and clients catch up by revision); an op refused meanwhile as retryable is resent with the
 * same opId. Nothing acknowledged is lost; no process dies; everyone ends on the same board.
 */
describe("fault: Redis outage while two instances serve editing clients", () => {
  let redis: TestRedisServer;
  let a: ProcessInstance;
  let b: ProcessInstance;
  const clients: EditingClient[] = [];

  beforeAll(async () => {
    redis = await TestRedisServer.start({ appendOnly: true });
    const env = {
      REDIS_URL: redis.url,
      SEED_DEMO_USERS: "true",
      INSTANCE_LEASE_MS: "15000",
      MAX_CONNECTIONS_PER_USER: "20",
    };
    [a, b] = await Promise.all([
      startProcessInstance({ ...env, INSTANCE_ID: "outage-a" }),
      startProcessInstance({ ...env, INSTANCE_ID: "outage-b" }),
    ]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
  });

  it("loses nothing acknowledged, resumes by itself, and converges", async () => {
    const boardId = await sharedChecklistBoard(a.url, "alice", ["bob", "admin"], ["l1", "l2", "l3", "l4"]);
    const plan = [
      ["alice-1", "alice", a.url],
      ["bob-1", "bob", b.url],
      ["alice-2", "alice", b.url],
      ["admin-1", "admin", a.url],
    ] as const;
    for (const [i, [name, user, url]] of plan.entries()) {
      clients.push(new EditingClient(url, await tokenFor(user), name, boardId, `l${i + 1}`));
    }
    await eventually(() => expect(clients.every((c) => c.replica)).toBe(true));
    clients.forEach((c) => c.start(80));
    await eventually(() => expect(clients.every((c) => c.acked.size >= 10)).toBe(true), 15_000);

    const ackedBefore = new Map(clients.map((c) => [c.name, new Set(c.acked.keys())]));
    await redis.kill();
    const killedAt = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    await redis.spawn();
    const restartedAt = Date.now();

    // Service resumes for a client on each instance: a new op is acknowledged.
    await eventually(
      () => expect(clients.every((c) => c.firstAckAfter(restartedAt) !== undefined)).toBe(true),
      15_000,
    );
    const resumeMs = Math.max(...clients.map((c) => c.firstAckAfter(restartedAt)! - restartedAt));
    console.log(`service resumed ${resumeMs} ms after Redis was back`);
    expect(resumeMs).toBeLessThan(5_000);

    await new Promise((r) => setTimeout(r, 1_000));
    clients.forEach((c) => c.stop());
    await Promise.all(clients.map((c) => c.drained()));
    const { items } = await expectConverged(clients, a.url, boardId);

    // Edits were committed while Redis was away: the system of record does not depend on it. Any op refused as
    // retryable (or timed out) meanwhile was applied once on resend (the count below).
    const committedDuring = clients.reduce(
      (n, c) => n + [...c.acked.values()].filter((e) => e.at >= killedAt && e.at < restartedAt).length,
      0,
    );
    expect(committedDuring).toBeGreaterThan(0);
    const retried = clients.reduce((n, c) => n + [...c.retried.values()].reduce((s, v) => s + v, 0), 0);
    for (const c of clients)
      for (const opId of ackedBefore.get(c.name)!) expect(c.acked.has(opId)).toBe(true);
    expect(items).toBe(clients.reduce((n, c) => n + c.generated.length, 0));
    // No process died.
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
    console.log(`${items} ops, ${committedDuring} committed during the outage, ${retried} retried`);
  }, 120_000);
});
