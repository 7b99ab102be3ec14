import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractBackends, type ContractEnv } from "../testing/backends";
import { FEED_LENGTH, type NotificationStore } from "./store";
import { SqlNotificationStore } from "./store.sql";

function storeFor(env: ContractEnv): NotificationStore {
  return new SqlNotificationStore(env.sql!);
}

const item = (id: string, at = 1) => ({
  id,
  kind: "share" as const,
  title: `t${id}`,
  body: "b",
  at,
  by: "bob",
  link: "/boards/x",
});

describe.each(contractBackends({ sql: true }))("NotificationStore contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("lists newest first with read flags and an unread count", async () => {
    const store = storeFor(await backend.fresh());
    expect(await store.add("alice", item("n1", 1))).toEqual({ unread: 1 });
    expect(await store.add("alice", item("n2", 2))).toEqual({ unread: 2 });
    await store.add("bob", item("n3"));
    const { items, unread } = await store.list("alice", 10);
    expect(unread).toBe(2);
    expect(items.map((i) => i.id)).toEqual(["n2", "n1"]);
    expect(items[0]).toEqual({ ...item("n2", 2), read: false });
    expect((await store.list("alice", 1)).items).toHaveLength(1);
    expect(await store.list("carol", 10)).toEqual({ items: [], unread: 0 });
  });

  it("marks some or all as read", async () => {
    const store = storeFor(await backend.fresh());
    for (const id of ["a1", "a2", "a3"]) await store.add("alice", item(id));
    expect(await store.markRead("alice", ["a2"])).toEqual({ unread: 2 });
    expect((await store.list("alice", 10)).items.find((i) => i.id === "a2")?.read).toBe(true);
    expect(await store.markRead("alice")).toEqual({ unread: 0 });
    expect((await store.list("alice", 10)).items.every((i) => i.read)).toBe(true);
  });

  it("keeps the newest items only, and does not count forgotten ones as unread", async () => {
    const store = storeFor(await backend.fresh());
    for (let i = 0; i < FEED_LENGTH + 5; i++) await store.add("alice", item(`x${i}`, i));
    const { items, unread } = await store.list("alice", 500);
    expect(items).toHaveLength(FEED_LENGTH);
    expect(items[0]?.id).toBe(`x${FEED_LENGTH + 4}`);
    expect(unread).toBe(FEED_LENGTH);
  });
});
