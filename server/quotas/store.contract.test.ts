import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractBackends, type ContractEnv } from "../testing/backends";
import type { QuotaStore } from "./store";
import { MemoryQuotaStore } from "./store.memory";
import { RedisQuotaStore } from "./store.redis";

function storeFor(env: ContractEnv): QuotaStore {
  return env.redis ? new RedisQuotaStore(env.redis, env.keys) : new MemoryQuotaStore();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(contractBackends())("QuotaStore contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("counts a window up to its limit, refuses past it without counting, and starts again", async () => {
    const store = storeFor(await backend.fresh());
    expect(await store.hit("u:alice", 2, 3, 300)).toMatchObject({ ok: true, used: 2 });
    const refused = await store.hit("u:alice", 2, 3, 300);
    expect(refused).toMatchObject({ ok: false, used: 2 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(300);
    expect(await store.hit("u:alice", 1, 3, 300)).toMatchObject({ ok: true, used: 3 });
    expect(await store.hit("u:bob", 3, 3, 300)).toMatchObject({ ok: true, used: 3 });
    await sleep(400);
    expect(await store.hit("u:alice", 3, 3, 300)).toMatchObject({ ok: true, used: 3 });
  });

  it("sums leases up to a limit; releasing or replacing one frees its amount", async () => {
    const store = storeFor(await backend.fresh());
    expect(await store.reserve("bytes:alice", "a", 60, 100, 10_000)).toEqual({ ok: true, used: 60 });
    expect(await store.reserve("bytes:alice", "b", 50, 100, 10_000)).toEqual({ ok: false, used: 60 });
    expect(await store.reserve("bytes:bob", "b", 50, 100, 10_000)).toEqual({ ok: true, used: 50 });
    expect(await store.reserve("bytes:alice", "a", 90, 100, 10_000)).toEqual({ ok: true, used: 90 });
    expect(await store.usage("bytes:alice")).toBe(90);
    await store.release("bytes:alice", "a");
    await store.release("bytes:alice", "never-reserved");
    expect(await store.usage("bytes:alice")).toBe(0);
    expect(await store.reserve("bytes:alice", "b", 100, 100, 10_000)).toEqual({ ok: true, used: 100 });
  });

  it("drops expired leases", async () => {
    const store = storeFor(await backend.fresh());
    expect((await store.reserve("tasks:alice", "t1", 1, 1, 150)).ok).toBe(true);
    expect((await store.reserve("tasks:alice", "t2", 1, 1, 150)).ok).toBe(false);
    await sleep(300);
    expect(await store.usage("tasks:alice")).toBe(0);
    expect((await store.reserve("tasks:alice", "t2", 1, 1, 150)).ok).toBe(true);
  });

  it("admits exactly the limit under concurrent steps", async () => {
    const env = await backend.fresh();
    // Two stores on one Redis stand for two instances; embedded mode has one process, so one store.
    const first = storeFor(env);
    const stores = [first, env.redis ? storeFor(env) : first];
    const hits = await Promise.all(
      Array.from({ length: 100 }, (_, i) => stores[i % 2]!.hit("race", 1, 7, 10_000)),
    );
    expect(hits.filter((h) => h.ok)).toHaveLength(7);
    const leases = await Promise.all(
      Array.from({ length: 100 }, (_, i) => stores[i % 2]!.reserve("race-l", `id${i}`, 10, 50, 10_000)),
    );
    expect(leases.filter((l) => l.ok)).toHaveLength(5);
  });
});
