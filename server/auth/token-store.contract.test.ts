import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractBackends, type ContractEnv } from "../testing/backends";
import { MAX_TOKENS_PER_USER, TooManyTokensError, type TokenRecord, type TokenStore } from "./token-store";
import { SqlTokenStore } from "./token-store.sql";

function storeFor(env: ContractEnv, now?: () => number): TokenStore {
  return new SqlTokenStore(env.sql!, now);
}

let n = 0;
function record(owner: string, over: Partial<TokenRecord> = {}): TokenRecord {
  n++;
  const createdAt = Date.now() + n;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
    name: `t${n}`,
    owner,
    createdAt,
    expiresAt: createdAt + 3_600_000,
    lastUsedAt: null,
    ...over,
  };
}

describe.each(contractBackends({ sql: true }))("TokenStore contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("creates, reads and lists an owner's tokens newest first, and nobody else's", async () => {
    const store = storeFor(await backend.fresh());
    const a1 = record("alice");
    const a2 = record("alice");
    const b1 = record("bob");
    for (const r of [a1, a2, b1]) await store.create(r);
    expect(await store.get(a1.id)).toEqual(a1);
    expect((await store.listFor("alice")).map((t) => t.id)).toEqual([a2.id, a1.id]);
    expect((await store.listFor("bob")).map((t) => t.id)).toEqual([b1.id]);
    expect(await store.listFor("carol")).toEqual([]);
  });

  it("reads many tokens at once: the live ones, by id, never a revoked or an expired one", async () => {
    const store = storeFor(await backend.fresh());
    const live = record("alice");
    const revoked = record("alice");
    const expired = record("bob", { expiresAt: Date.now() - 1 });
    for (const r of [live, revoked, expired]) await store.create(r);
    await store.revoke(revoked.id);
    const unknown = Array.from({ length: 700 }, () => record("nobody").id);
    const found = await store.getMany([live.id, revoked.id, expired.id, ...unknown]);
    expect([...found.keys()]).toEqual([live.id]);
    expect(found.get(live.id)).toEqual(live);
  });

  it("revokes one token, and refuses it from then on", async () => {
    const store = storeFor(await backend.fresh());
    const a1 = record("alice");
    const a2 = record("alice");
    await store.create(a1);
    await store.create(a2);
    expect(await store.revoke(a1.id)).toEqual(a1);
    expect(await store.get(a1.id)).toBeUndefined();
    expect(await store.revoke(a1.id)).toBeUndefined();
    expect((await store.listFor("alice")).map((t) => t.id)).toEqual([a2.id]);
  });

  const revokedByCli = {
    actor: null,
    method: "cli",
    action: "token.revoke",
    target: { kind: "user", id: "alice" },
  } as const;

  it("revokes all of an owner's tokens and leaves the others", async () => {
    const store = storeFor(await backend.fresh());
    const mine = [record("alice"), record("alice"), record("alice")];
    const theirs = record("bob");
    for (const r of [...mine, theirs]) await store.create(r);
    expect(await store.revokeAllFor("alice", revokedByCli)).toBe(3);
    for (const r of mine) expect(await store.get(r.id)).toBeUndefined();
    expect(await store.listFor("alice")).toEqual([]);
    expect(await store.get(theirs.id)).toEqual(theirs);
    expect(await store.revokeAllFor("alice", revokedByCli)).toBe(0);
  });

  it("records the last use, only forward, and never brings a revoked token back", async () => {
    const store = storeFor(await backend.fresh());
    const t = record("alice");
    await store.create(t);
    await store.touch(t.id, t.createdAt + 5_000);
    await store.touch(t.id, t.createdAt + 1_000);
    expect((await store.get(t.id))?.lastUsedAt).toBe(t.createdAt + 5_000);
    await store.revoke(t.id);
    await store.touch(t.id, t.createdAt + 9_000);
    expect(await store.get(t.id)).toBeUndefined();
    await store.touch("constructor", 1);
    expect(await store.get("constructor")).toBeUndefined();
    expect(await store.revoke("__proto__")).toBeUndefined();
  });

  it("never returns an expired token", async () => {
    let now = Date.now();
    const store = storeFor(await backend.fresh(), () => now);
    const t = record("alice", { createdAt: now, expiresAt: now + 60_000 });
    await store.create(t);
    expect(await store.get(t.id)).toEqual(t);
    now += 61_000;
    expect(await store.get(t.id)).toBeUndefined();
    expect(await store.listFor("alice")).toEqual([]);
  });

  it(`caps the live tokens of one owner at ${MAX_TOKENS_PER_USER}`, async () => {
    const store = storeFor(await backend.fresh());
    for (let i = 0; i < MAX_TOKENS_PER_USER; i++) await store.create(record("alice"));
    await expect(store.create(record("alice"))).rejects.toBeInstanceOf(TooManyTokensError);
    await store.create(record("bob"));
    const first = (await store.listFor("alice"))[0]!;
    await store.revoke(first.id);
    await store.create(record("alice"));
  });

  it("keeps tokens across store instances (restart)", async () => {
    const env = await backend.fresh();
    const t = record("alice");
    await storeFor(env).create(t);
    expect(await storeFor(env).get(t.id)).toEqual(t);
  });
});
