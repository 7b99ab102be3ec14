import { bySystem } from "../audit/audit-log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractBackends, type ContractEnv } from "../testing/backends";
import type { LimitStore } from "./limits";
import { SqlLimitStore } from "./limits.sql";

function storeFor(env: ContractEnv, configDefault = 5): LimitStore {
  return new SqlLimitStore(env.sql!, configDefault);
}

describe.each(contractBackends({ sql: true }))("LimitStore contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("starts from MAX_CONNECTIONS_PER_USER", async () => {
    const store = storeFor(await backend.fresh(), 7);
    expect(await store.limitFor("alice")).toBe(7);
    expect(await store.settings()).toEqual({
      default: 7,
      defaultSource: "config",
      configDefault: 7,
      users: {},
    });
  });

  it("applies a runtime default and per-user overrides, which win over it, and clears both", async () => {
    const store = storeFor(await backend.fresh());
    await store.setDefault(3, bySystem("limit.set"));
    await store.setUser("bob", 9, bySystem("limit.set"));
    expect(await store.limitFor("alice")).toBe(3);
    expect(await store.limitFor("bob")).toBe(9);
    expect(await store.settings()).toEqual({
      default: 3,
      defaultSource: "runtime",
      configDefault: 5,
      users: { bob: 9 },
    });

    await store.setDefault(null, bySystem("limit.set"));
    await store.setUser("bob", null, bySystem("limit.set"));
    expect(await store.limitFor("alice")).toBe(5);
    expect(await store.limitFor("bob")).toBe(5);
    expect((await store.settings()).users).toEqual({});
  });

  it("shares changes between stores on the same storage at once (other instances, restarts)", async () => {
    const env = await backend.fresh();
    const one = storeFor(env);
    const two = storeFor(env);
    expect(await two.limitFor("carol")).toBe(5);
    await one.setUser("carol", 1, bySystem("limit.set"));
    expect(await two.limitFor("carol")).toBe(1);
    await one.setDefault(2, bySystem("limit.set"));
    expect(await two.limitFor("dave")).toBe(2);
    // Another instance configured with a different MAX_CONNECTIONS_PER_USER still follows the runtime default.
    expect(await storeFor(env, 50).limitFor("dave")).toBe(2);
  });

  it("answers many reads asked at once, each with its own user's limit, and a change made before a read applies to it", async () => {
    const store = storeFor(await backend.fresh());
    await store.setUser("bob", 9, bySystem("limit.set"));
    await store.setUser("o'brien", 2, bySystem("limit.set"));
    // Asked in one turn of the event loop: they are read together.
    const names = [
      "alice",
      "bob",
      "o'brien",
      "bob",
      "constructor",
      ...Array.from({ length: 600 }, (_, i) => `u${i}`),
    ];
    const limits = await Promise.all(names.map((n) => store.limitFor(n)));
    expect(limits.slice(0, 5)).toEqual([5, 9, 2, 9, 5]);
    expect(new Set(limits.slice(5))).toEqual(new Set([5]));
    await store.setUser("alice", 1, bySystem("limit.set"));
    expect(await Promise.all([store.limitFor("alice"), store.limitFor("bob")])).toEqual([1, 9]);
  });
});
