import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractBackends, type ContractEnv } from "../testing/backends";
import type { PresenceStore } from "./store";
import { MemoryPresenceStore } from "./store.memory";
import { RedisPresenceStore } from "./store.redis";

function storeFor(env: ContractEnv): PresenceStore {
  return env.redis ? new RedisPresenceStore(env.redis, env.keys) : new MemoryPresenceStore();
}

const entry = (connectionId: string, user = "alice", editing: string | null = null) => ({
  connectionId,
  user,
  instanceId: "i1",
  editing,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(contractBackends())("PresenceStore contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("lists, updates and removes entries per board", async () => {
    const store = storeFor(await backend.fresh());
    await store.upsert("b1", entry("c1"), 10_000);
    await store.upsert("b1", entry("c2", "bob"), 10_000);
    await store.upsert("b2", entry("c3"), 10_000);
    await store.upsert("b1", entry("c1", "alice", "w1"), 10_000);
    const list = await store.list("b1");
    expect(list.sort((a, b) => a.connectionId.localeCompare(b.connectionId))).toEqual([
      entry("c1", "alice", "w1"),
      entry("c2", "bob"),
    ]);
    await store.remove("b1", "c1");
    expect((await store.list("b1")).map((e) => e.connectionId)).toEqual(["c2"]);
    expect(await store.list("none")).toEqual([]);
  });

  it("expires entries whose lease is not renewed, and keeps renewed ones", async () => {
    const store = storeFor(await backend.fresh());
    await store.upsert("b1", entry("kept"), 300);
    await store.upsert("b1", entry("lost"), 300);
    await sleep(150);
    await store.renew("b1", ["kept"], 600);
    await sleep(250);
    expect((await store.list("b1")).map((e) => e.connectionId)).toEqual(["kept"]);
  });

  it("does not bring back a removed entry on renew", async () => {
    const store = storeFor(await backend.fresh());
    await store.upsert("b1", entry("c1"), 5_000);
    await store.remove("b1", "c1");
    await store.renew("b1", ["c1"], 5_000);
    expect(await store.list("b1")).toEqual([]);
  });
});
