import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PresenceViewer } from "@/lib/protocol/boards";
import { startBalancer, type Balancer } from "@/server/testing/balancer";
import { eventually } from "@/server/testing/board-client";
import { connectOk, tokenFor } from "@/server/testing/clients";
import { EditingClient } from "@/server/testing/editing-client";
import { startProcessInstance, type ProcessInstance } from "@/server/testing/process-instance";
import { TestRedisServer } from "@/server/testing/redis-server";
import { expectConverged, sharedChecklistBoard } from "@/server/testing/converge";

const LEASE_MS = 3_000;
/**
 * How long after the kill the dead instance may still be listed. Registry and presence entries carry the expiry
 * of their last renewal (`registry/scripts.ts`, `presence/store.redis.ts`), and an instance renews both every
 * third of a lease (`registry/agent.ts`, `presence/tracker.ts`). Its last renewal happened at the kill at the
 * latest (one already sent lands within milliseconds), so every entry has expired by kill + lease:
 * - readers drop expired entries as they read, so the registry route stops listing them at once;
 * - viewers learn it from the survivor, which re-reads presence at each renewal tick: up to one interval later.
 * The slack covers scheduling and this test's polling on a loaded two-core machine; entries that lingered for a
 * second lease would fail either bound.
 */
const RENEW_INTERVAL_MS = LEASE_MS / 3;
const SLACK_MS = 1_000;
const REGISTRY_CLEARED_WITHIN_MS = LEASE_MS + SLACK_MS;
const PRESENCE_CLEARED_WITHIN_MS = LEASE_MS + RENEW_INTERVAL_MS + SLACK_MS;

/**
 * One of two instances is SIGKILLed while clients on both edit. Its clients reconnect through the balancer to
 * the survivor and recover every op they missed; its registry entries clear within the lease, and viewers see
 * its presence go at most one renewal interval later.
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
      return (await res.json()) as {
        connections?: { instanceId: string }[];
        instances?: { instanceId: string; alive: boolean }[];
      };
    };
    const onA = (r: { connections?: { instanceId: string }[] }) =>
      (r.connections ?? []).filter((c) => c.instanceId === "crash-a").length;

    // A viewer on B sees presence as users do, from pushes; each is kept with the time it arrived.
    const viewer = await connectOk(b.url, { token: await tokenFor("alice") });
    const pushes: { at: number; viewers: PresenceViewer[] }[] = [];
    viewer.on("board:presence", (msg) => {
      if (msg.boardId === boardId) pushes.push({ at: Date.now(), viewers: msg.viewers });
    });
    // A connection to A that never comes back. The editing clients' entries are replaced when they reconnect
    // with the same tab id; this one's can only lapse with the lease.
    const lingerer = await connectOk(a.url, { token: await tokenFor("bob") });
    try {
      expect(await viewer.emitWithAck("board:join", { boardId })).toMatchObject({ ok: true });
      expect(await lingerer.emitWithAck("board:join", { boardId })).toMatchObject({ ok: true });
      expect(onA(await registryOf())).toBeGreaterThanOrEqual(3);

      const killedAt = Date.now();
      a.signal("SIGKILL");
      // From the kill on, three things are awaited together: the registry (no connection of A listed, A not
      // alive), presence as pushed to the viewer, and A's clients editing again through B.
      const registryCleared = eventually(
        async () => {
          const r = await registryOf();
          expect(onA(r)).toBe(0);
          expect(r.instances?.some((i) => i.instanceId === "crash-a" && i.alive)).toBe(false);
        },
        20_000,
        50,
      ).then(() => Date.now() - killedAt);
      // Presence counts only live connections: alice's two editors and the viewer, bob's two editors, all on B.
      // Bob's count cannot reach 2 while A's entries (the lingerer and his first editor) are listed.
      const live = (viewers: PresenceViewer[]) =>
        Object.fromEntries(viewers.map((v) => [v.user, v.connections]));
      const settled = (p: { at: number; viewers: PresenceViewer[] }) =>
        p.at > killedAt && live(p.viewers).bob === 2 && live(p.viewers).alice === 3;
      const presenceCleared = eventually(() => expect(pushes.some(settled)).toBe(true), 20_000).then(
        () => pushes.find(settled)!.at - killedAt,
      );
      // A's clients are back, on B, and edit again; the clients on B never stopped.
      const editingAgain = eventually(
        () => expect(clients.every((c) => c.firstAckAfter(killedAt) !== undefined)).toBe(true),
        20_000,
      ).then(() => Math.max(...clients.map((c) => c.firstAckAfter(killedAt)! - killedAt)));
      const [registry, presence, editing] = await Promise.all([
        registryCleared,
        presenceCleared,
        editingAgain,
      ]);
      console.log(
        `after the kill: A's clients editing again in ${editing} ms; A gone from the registry in ${registry} ms ` +
          `and from pushed presence in ${presence} ms (lease ${LEASE_MS} ms)`,
      );
      expect(registry).toBeLessThan(REGISTRY_CLEARED_WITHIN_MS);
      expect(presence).toBeLessThan(PRESENCE_CLEARED_WITHIN_MS);
      const joined = await viewer.emitWithAck("board:join", { boardId });
      expect(joined.ok && live(joined.presence)).toEqual({ alice: 3, bob: 2 });
    } finally {
      viewer.close();
      lingerer.close();
    }

    clients.forEach((c) => c.stop());
    await Promise.all(clients.map((c) => c.drained()));
    const { items } = await expectConverged(clients, b.url, boardId);
    expect(b.child.exitCode).toBeNull();
    console.log(`${items} ops converged after the crash`);
  }, 120_000);
});
