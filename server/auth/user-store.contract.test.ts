import { SYSTEM_ACTOR, bySystem } from "../audit/audit-log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractBackends, type ContractEnv } from "../testing/backends";
import { UserExistsError, type UserStore } from "./user-store";
import { SqlUserStore } from "./user-store.sql";

function storeFor(env: ContractEnv): UserStore {
  return new SqlUserStore(env.sql!);
}

describe.each(contractBackends({ sql: true }))("UserStore contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  const alice = {
    name: "alice",
    role: "user" as const,
    passwordHash: "scrypt$x",
    createdAt: 1_700_000_000_123,
  };

  it("creates, reads and lists users without their password hash in the list", async () => {
    const store = storeFor(await backend.fresh());
    expect(await store.get("alice")).toBeUndefined();
    await store.create(alice, SYSTEM_ACTOR);
    await store.create({ ...alice, name: "admin", role: "admin" }, SYSTEM_ACTOR);
    expect(await store.get("alice")).toEqual({ ...alice, epoch: 0 });
    const list = await store.list();
    expect(list.map((u) => u.name)).toEqual(["admin", "alice"]);
    expect(list[0]).not.toHaveProperty("passwordHash");
    expect(list[0]).not.toHaveProperty("epoch");
    expect(list[0]?.role).toBe("admin");
  });

  it("reads many users at once: those that exist, by name, across more names than one read carries", async () => {
    const store = storeFor(await backend.fresh());
    await store.create(alice, SYSTEM_ACTOR);
    await store.create({ ...alice, name: "constructor", role: "admin" }, SYSTEM_ACTOR);
    const names = ["alice", "nobody", "constructor", ...Array.from({ length: 1_200 }, (_, i) => `ghost${i}`)];
    const found = await store.getMany(names);
    expect([...found.keys()].sort()).toEqual(["alice", "constructor"]);
    expect(found.get("alice")).toEqual({ ...alice, epoch: 0 });
    expect(found.get("constructor")?.role).toBe("admin");
    expect((await store.getMany([])).size).toBe(0);
  });

  it("finds names by a literal prefix, in name order, at most the limit", async () => {
    const store = storeFor(await backend.fresh());
    for (const name of ["ab", "a_b", "a_c", "axb", "a-b", "b_a", "a_a"])
      await store.create({ ...alice, name }, SYSTEM_ACTOR);
    // `_` is a wildcard to LIKE: "axb" must not match "a_".
    expect(await store.namesStartingWith("a_", 10)).toEqual(["a_a", "a_b", "a_c"]);
    expect(await store.namesStartingWith("a_", 2)).toEqual(["a_a", "a_b"]);
    expect(await store.namesStartingWith("a", 10)).toEqual(["a-b", "a_a", "a_b", "a_c", "ab", "axb"]);
    expect(await store.namesStartingWith("%", 10)).toEqual([]);
    expect(await store.namesStartingWith("\\", 10)).toEqual([]);
    expect(await store.namesStartingWith("A_", 10)).toEqual([]);
    expect(await store.namesStartingWith("zz", 10)).toEqual([]);
  });

  it("refuses a second user with the same name and keeps the first", async () => {
    const store = storeFor(await backend.fresh());
    await store.create(alice, SYSTEM_ACTOR);
    await expect(store.create({ ...alice, passwordHash: "other" }, SYSTEM_ACTOR)).rejects.toBeInstanceOf(
      UserExistsError,
    );
    // A name is input: "constructor" is a valid name and must not find Object.prototype's.
    expect(await store.get("constructor")).toBeUndefined();
    await store.create({ ...alice, name: "constructor" }, SYSTEM_ACTOR);
    expect((await store.get("constructor"))?.name).toBe("constructor");
    expect((await store.get("alice"))?.passwordHash).toBe("scrypt$x");
  });

  it("admits exactly one of many concurrent creations of one name", async () => {
    const store = storeFor(await backend.fresh());
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.create({ ...alice, passwordHash: `h${i}` }, SYSTEM_ACTOR)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("changes password and role, and reports unknown users", async () => {
    const store = storeFor(await backend.fresh());
    await store.create(alice, SYSTEM_ACTOR);
    expect(await store.setPassword("alice", "scrypt$y", bySystem("user.password"))).toBe(true);
    expect(await store.setRole("alice", "admin", bySystem("user.role"))).toBe(true);
    expect(await store.get("alice")).toMatchObject({ passwordHash: "scrypt$y", role: "admin" });
    expect(await store.setPassword("nobody", "z", bySystem("user.password"))).toBe(false);
    expect(await store.setRole("nobody", "admin", bySystem("user.role"))).toBe(false);
  });

  it("keeps users across store instances (restart)", async () => {
    const env = await backend.fresh();
    await storeFor(env).create(alice, SYSTEM_ACTOR);
    expect(await storeFor(env).get("alice")).toEqual({ ...alice, epoch: 0 });
  });

  it("raises the epoch on a password change and on a real role change, not on a rehash", async () => {
    const store = storeFor(await backend.fresh());
    await store.create(alice, SYSTEM_ACTOR);
    const epoch = async () => (await store.get("alice"))?.epoch;
    expect(await epoch()).toBe(0);
    await store.setPassword("alice", "scrypt$y", bySystem("user.password"));
    expect(await epoch()).toBe(1);
    await store.setRole("alice", "user", bySystem("user.role"));
    expect(await epoch()).toBe(1);
    await store.setRole("alice", "admin", bySystem("user.role"));
    expect(await epoch()).toBe(2);
    expect(await store.upgradePasswordHash("alice", "scrypt$stale", "scrypt$z")).toBe(false);
    expect(await store.upgradePasswordHash("alice", "scrypt$y", "scrypt$z")).toBe(true);
    expect(await store.get("alice")).toMatchObject({ passwordHash: "scrypt$z", epoch: 2 });
    expect(await store.upgradePasswordHash("nobody", "a", "b")).toBe(false);
  });

  it("removes a user, who can then be created again", async () => {
    const store = storeFor(await backend.fresh());
    await store.create(alice, SYSTEM_ACTOR);
    expect(await store.remove("alice")).toBe(true);
    expect(await store.get("alice")).toBeUndefined();
    expect(await store.list()).toEqual([]);
    expect(await store.remove("alice")).toBe(false);
    await store.create(alice, SYSTEM_ACTOR);
    expect((await store.get("alice"))?.passwordHash).toBe("scrypt$x");
  });
});
