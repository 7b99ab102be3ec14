import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRedis, type RedisClient } from "../redis/connection";
import { contractBackends, type ContractEnv } from "../testing/backends";
import { MemoryConnectionRegistry } from "./registry.memory";
import { RedisConnectionRegistry } from "./registry.redis";
import { refOf, type ConnectionEntry, type ConnectionRegistry } from "./types";

let seq = 0;
function entry(over: Partial<ConnectionEntry> = {}): ConnectionEntry {
  seq++;
  return {
    connectionId: `c${seq}-${Math.random().toString(36).slice(2, 8)}`,
    user: "alice",
    instanceId: "inst-a",
    transport: "websocket",
    ip: "127.0.0.1",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36",
    via: "session",
    connectedAt: 1_700_000_000_000 + seq,
    ...over,
  };
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(contractBackends())("ConnectionRegistry contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  const extraClients: RedisClient[] = [];
  afterAll(async () => {
    await Promise.all(extraClients.map(closeRedis));
  });

  /** Two handles on one registry, as two instances would hold: separate Redis connections in Redis mode. */
  function registries(env: ContractEnv, leaseMs = 15_000): [ConnectionRegistry, ConnectionRegistry] {
    if (!env.redis) {
      const shared = new MemoryConnectionRegistry(leaseMs);
      return [shared, shared];
    }
    // The contract backend is a single Redis; a second connection stands for a second instance.
    const other = (env.redis as Redis).duplicate();
    extraClients.push(other);
    return [
      new RedisConnectionRegistry(env.redis, env.keys, leaseMs),
      new RedisConnectionRegistry(other, env.keys, leaseMs),
    ];
  }

  it("records each connection with its details, queryable by user, by instance and in total", async () => {
    const [a, b] = registries(await backend.fresh());
    const e1 = entry({ clientId: "tab-one-1", transport: "polling" });
    const e2 = entry({ instanceId: "inst-b" });
    const e3 = entry({ user: "bob", via: "token" });
    expect(await a.admit(e1, 5)).toEqual({ ok: true, active: 1, limit: 5 });
    expect(await b.admit(e2, 5)).toEqual({ ok: true, active: 2, limit: 5 });
    expect(await a.admit(e3, 5)).toEqual({ ok: true, active: 1, limit: 5 });

    expect(await b.byUser("alice")).toEqual([e1, e2]);
    expect(await b.byUser("carol")).toEqual([]);
    expect(await a.byInstance("inst-a")).toEqual([e1, e3]);
    expect(await a.byInstance("inst-b")).toEqual([e2]);
    expect(await b.all()).toEqual([e1, e2, e3]);
    expect(await b.count()).toBe(3);
  });

  it("refuses at the limit without changing anything, and admits again after a release", async () => {
    const [a, b] = registries(await backend.fresh());
    const held = [entry(), entry({ instanceId: "inst-b" })];
    for (const e of held) expect((await a.admit(e, 2)).ok).toBe(true);
    const refused = entry();
    expect(await b.admit(refused, 2)).toEqual({ ok: false, active: 2, limit: 2 });
    expect(await a.byUser("alice")).toEqual(held);
    // Another user's limit is their own.
    expect((await b.admit(entry({ user: "bob" }), 2)).ok).toBe(true);

    expect(await b.release(refOf(held[0]!))).toBe(true);
    expect(await b.release(refOf(held[0]!))).toBe(false);
    expect(await a.release(refOf(refused))).toBe(false);
    expect(await b.admit(refused, 2)).toMatchObject({ ok: true, active: 2 });
  });

  it("decides admissions asked at once one by one: exactly the limit fit, and the refused get the count", async () => {
    const [a, b] = registries(await backend.fresh());
    // Asked in one turn of the event loop, from two instances: Redis gets them together, each still atomic.
    const tries = Array.from({ length: 12 }, (_, i) =>
      (i % 2 ? a : b).admit(entry({ user: "carol", instanceId: i % 2 ? "a" : "b" }), 5),
    );
    const others = Array.from({ length: 3 }, () => a.admit(entry({ user: "dan" }), 5));
    const results = await Promise.all(tries);
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    for (const r of results.filter((r) => !r.ok)) expect(r).toEqual({ ok: false, active: 5, limit: 5 });
    expect((await Promise.all(others)).every((r) => r.ok)).toBe(true);
    expect(await a.byUser("carol")).toHaveLength(5);
    expect(await b.byUser("dan")).toHaveLength(3);
  });

  it("treats a repeated admission of the same connection as one", async () => {
    const [a, b] = registries(await backend.fresh());
    const e = entry();
    expect((await a.admit(e, 1)).ok).toBe(true);
    expect(await b.admit(e, 1)).toEqual({ ok: true, active: 1, limit: 1 });
    expect(await a.count()).toBe(1);
  });

  it("counts a reconnecting tab once: the same clientId replaces its previous entry, even at the limit", async () => {
    const [a, b] = registries(await backend.fresh());
    const first = entry({ clientId: "tab-aaaa-1" });
    const other = entry({ clientId: "tab-bbbb-2" });
    expect((await a.admit(first, 2)).ok).toBe(true);
    expect((await a.admit(other, 2)).ok).toBe(true);

    const again = entry({ clientId: "tab-aaaa-1", instanceId: "inst-b" });
    expect(await b.admit(again, 2)).toEqual({
      ok: true,
      active: 2,
      limit: 2,
      replaced: { user: "alice", instanceId: "inst-a", connectionId: first.connectionId },
    });
    expect((await a.byUser("alice")).map((e) => e.connectionId)).toEqual([
      other.connectionId,
      again.connectionId,
    ]);
    // The replaced entry is gone: releasing it later (its socket closing) changes nothing.
    expect(await a.release(refOf(first))).toBe(false);
    expect(await a.count()).toBe(2);
    // A new tab is still refused, and the same clientId under another user replaces nothing.
    expect((await a.admit(entry({ clientId: "tab-cccc-3" }), 2)).ok).toBe(false);
    expect(await a.admit(entry({ user: "bob", clientId: "tab-aaaa-1" }), 2)).toEqual({
      ok: true,
      active: 1,
      limit: 2,
    });
  });

  it("refuses a reconnecting tab when a lowered limit is still exceeded without it, and keeps its entry", async () => {
    const [a] = registries(await backend.fresh());
    const tab = entry({ clientId: "tab-dddd-4" });
    for (const e of [tab, entry(), entry()]) expect((await a.admit(e, 3)).ok).toBe(true);
    expect(await a.admit(entry({ clientId: "tab-dddd-4" }), 2)).toEqual({ ok: false, active: 2, limit: 2 });
    expect((await a.byUser("alice")).map((e) => e.connectionId)).toContain(tab.connectionId);
  });

  it("updates the transport of a connection after an upgrade", async () => {
    const [a, b] = registries(await backend.fresh());
    const e = entry({ transport: "polling" });
    await a.admit(e, 5);
    await b.updateTransport(refOf(e), "websocket");
    expect(await a.byUser("alice")).toEqual([{ ...e, transport: "websocket" }]);
    // Updating a released connection does not bring it back.
    await a.release(refOf(e));
    await b.updateTransport(refOf(e), "polling");
    expect(await a.byUser("alice")).toEqual([]);
  });

  it("expires connections whose lease is not renewed, freeing their slots; renewed ones stay", async () => {
    const leaseMs = 600;
    const [a, b] = registries(await backend.fresh(), leaseMs);
    const renewed = entry({ instanceId: "inst-live" });
    const orphan = entry({ instanceId: "inst-dead" });
    await a.admit(renewed, 2);
    await b.admit(orphan, 2);
    expect((await a.admit(entry(), 2)).ok).toBe(false);

    const instance = { instanceId: "inst-live", startedAt: 1 };
    const renewing = setInterval(() => void a.renew(instance, [refOf(renewed)]), leaseMs / 4);
    try {
      await until(async () => (await b.byUser("alice")).length === 1);
      await new Promise((r) => setTimeout(r, leaseMs * 1.5));
      expect(await b.byUser("alice")).toEqual([renewed]);
      expect(await b.byInstance("inst-dead")).toEqual([]);
      expect((await b.admit(entry(), 2)).ok).toBe(true);
    } finally {
      clearInterval(renewing);
    }
  });

  it("reports renewed connections that are no longer registered", async () => {
    const [a, b] = registries(await backend.fresh());
    const kept = entry();
    const closed = entry();
    await a.admit(kept, 5);
    await a.admit(closed, 5);
    await b.release(refOf(closed));
    const never = entry({ user: "bob" });
    const missing = await a.renew({ instanceId: "inst-a", startedAt: 1 }, [
      refOf(kept),
      refOf(closed),
      refOf(never),
    ]);
    expect(missing).toEqual(expect.arrayContaining([refOf(closed), refOf(never)]));
    expect(missing).toHaveLength(2);
    // Renewing never creates an entry.
    expect((await b.byUser("alice")).map((e) => e.connectionId)).toEqual([kept.connectionId]);
    expect(await b.byUser("bob")).toEqual([]);
  });

  it("lists instances with their last heartbeat, marks a lapsed one, and forgets a removed one", async () => {
    const leaseMs = 600;
    const [a, b] = registries(await backend.fresh(), leaseMs);
    const before = Date.now();
    await a.renew({ instanceId: "inst-a", startedAt: 11 }, []);
    await b.renew({ instanceId: "inst-b", startedAt: 22 }, []);
    const listed = (await a.instances()).sort((x, y) => x.instanceId.localeCompare(y.instanceId));
    expect(listed).toMatchObject([
      { instanceId: "inst-a", startedAt: 11, alive: true },
      { instanceId: "inst-b", startedAt: 22, alive: true },
    ]);
    for (const i of listed) expect(Math.abs(i.lastHeartbeat - before)).toBeLessThan(5_000);

    const keepA = setInterval(() => void a.renew({ instanceId: "inst-a", startedAt: 11 }, []), leaseMs / 4);
    try {
      await until(async () => (await a.instances()).some((i) => i.instanceId === "inst-b" && !i.alive));
      expect((await a.instances()).find((i) => i.instanceId === "inst-a")?.alive).toBe(true);
    } finally {
      clearInterval(keepA);
    }

    const e = entry({ instanceId: "inst-b" });
    await b.admit(e, 5);
    await a.admit(entry({ user: "bob" }), 5);
    await b.removeInstance("inst-b");
    expect(await a.byInstance("inst-b")).toEqual([]);
    expect(await a.count()).toBe(1);
    expect((await a.instances()).map((i) => i.instanceId)).toEqual(["inst-a"]);
  });

  it("admits exactly the limit out of 200 concurrent attempts from two instances", async () => {
    const [a, b] = registries(await backend.fresh());
    for (let round = 0; round < 3; round++) {
      const user = `racer${round}`;
      const attempts = Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? a : b).admit(
          entry({ user, instanceId: i % 2 ? "inst-a" : "inst-b", clientId: `tab-${round}-${i}-x` }),
          5,
        ),
      );
      const results = await Promise.all(attempts);
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      expect(results.filter((r) => !r.ok).every((r) => r.active === 5)).toBe(true);
      expect(await a.byUser(user)).toHaveLength(5);
    }
  });
});
