import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { TestBoardClient, createSharedBoard, eventually, newOpId } from "../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";

const layout = { x: 0, y: 0, w: 4, h: 3 };

describe("boards across two instances on one Redis", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;
  const sockets: TestSocket[] = [];
  const on = async (inst: TestInstance, user: string) => {
    const s = await connectOk(inst.url, { token: await tokenFor(user) });
    sockets.push(s);
    return s;
  };

  async function sharedBoard(): Promise<{ id: string; alice: TestBoardClient; bob: TestBoardClient }> {
    const alice = await createSharedBoard(await on(a, "alice"), "Shared", { user: "bob", role: "editor" });
    const id = alice.boardId;
    const bob = new TestBoardClient(await on(b, "bob"), id);
    await bob.join();
    return { id, alice, bob };
  }

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    [a, b] = await Promise.all([
      startInstance({
        redisUrl: redis.url,
        seedDemoUsers: true,
        env: { INSTANCE_ID: "inst-a", INSTANCE_LEASE_MS: "1500" },
      }),
      startInstance({ redisUrl: redis.url, env: { INSTANCE_ID: "inst-b", INSTANCE_LEASE_MS: "1500" } }),
    ]);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  it("shows both clients the same ops in the same revision order", async () => {
    const { alice, bob } = await sharedBoard();
    await alice.op({ type: "widget.add", widget: { id: "c1", type: "checklist", title: "Todo", layout } });
    await eventually(() => expect(bob.doc.widgets.c1).toBeDefined());
    // Both edit at once, from two instances: checklist adds merge, so every op commits.
    const sends = [];
    for (let i = 0; i < 25; i++) {
      sends.push(
        alice.op({ type: "checklist.add", widgetId: "c1", item: { id: `a${i}`, text: `alice ${i}` } }),
      );
      sends.push(bob.op({ type: "checklist.add", widgetId: "c1", item: { id: `b${i}`, text: `bob ${i}` } }));
    }
    const results = await Promise.all(sends);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const revs = results.map((r) => (r.ok ? r.entry.rev : -1));
    expect(new Set(revs).size).toBe(50);
    const last = Math.max(...revs);
    await eventually(() => {
      expect(alice.doc.rev).toBe(last);
      expect(bob.doc.rev).toBe(last);
    });
    expect(alice.doc).toEqual(bob.doc);
    expect(alice.doc.widgets.c1?.type === "checklist" && alice.doc.widgets.c1.data.items).toHaveLength(50);
    // Every revision was applied once, in order, by both.
    const expected = Array.from({ length: alice.doc.rev }, (_, i) => i + 1).filter((r) => r > 1);
    expect(alice.applied.filter((r) => r > 1)).toEqual(expected);
    expect(bob.applied.filter((r) => r > 2)).toEqual(expected.filter((r) => r > 2));
  });

  it("catches a client up to the exact board after its instance missed broadcasts while pub/sub was cut", async () => {
    const { alice, bob } = await sharedBoard();
    await alice.op({ type: "widget.add", widget: { id: "k1", type: "kpi", title: "Orders", layout } });
    await eventually(() => expect(bob.doc.rev).toBe(alice.doc.rev));
    const sub = b.backends.redis!.sub as Redis;
    sub.disconnect();
    for (let i = 1; i <= 10; i++) {
      const res = await alice.op({
        type: "kpi.value",
        widgetId: "k1",
        value: i,
        baseRev: alice.doc.widgets.k1!.revs.value!,
      });
      expect(res.ok).toBe(true);
    }
    // Nothing reached bob: instance B was not subscribed while the ops were acknowledged.
    await new Promise((r) => setTimeout(r, 200));
    expect(bob.doc.rev).toBeLessThan(alice.doc.rev);
    const syncsBefore = bob.syncs;
    await sub.connect();
    await eventually(() => expect(bob.doc).toEqual(alice.doc));
    expect(bob.syncs).toBeGreaterThan(syncsBefore);
    expect(bob.doc.widgets.k1).toMatchObject({ data: { value: 10, previous: 9 } });
    expect(new Set(bob.applied).size).toBe(bob.applied.length);
  });

  it("detects a gap from a later op and fetches the ops in between", async () => {
    const { alice, bob } = await sharedBoard();
    const sub = b.backends.redis!.sub as Redis;
    sub.disconnect();
    await alice.op({ type: "widget.add", widget: { id: "n1", type: "note", layout } });
    await alice.op({
      type: "note.text",
      widgetId: "n1",
      text: "missed",
      baseRev: alice.doc.widgets.n1!.revs.text!,
    });
    // Reconnect quietly (no resync hint is involved in what follows: the next op reveals the gap).
    await sub.connect();
    await new Promise((r) => setTimeout(r, 300));
    await alice.op({
      type: "widget.title",
      widgetId: "n1",
      title: "seen",
      baseRev: alice.doc.widgets.n1!.revs.title!,
    });
    await eventually(() => expect(bob.doc).toEqual(alice.doc));
  });

  it("shows presence across instances and who edits what, and clears it when a viewer leaves", async () => {
    const { id, alice, bob } = await sharedBoard();
    await eventually(() => expect(alice.presence.map((v) => v.user)).toEqual(["alice", "bob"]));
    expect(await bob.socket.emitWithAck("board:editing", { boardId: id, widgetId: "w1" })).toEqual({
      ok: true,
    });
    await eventually(() => expect(alice.presence.find((v) => v.user === "bob")?.editing).toEqual(["w1"]));
    const cursor = new Promise((resolve) => alice.socket.once("board:cursor", resolve));
    bob.socket.emit("board:cursor", { boardId: id, x: 0.5, y: 120 }, () => {});
    expect(await cursor).toEqual({ boardId: id, user: "bob", x: 0.5, y: 120 });
    bob.socket.close();
    await eventually(() => expect(alice.presence.map((v) => v.user)).toEqual(["alice"]));
  });

  it("takes a board away from a member whose access is revoked", async () => {
    const { id, alice, bob } = await sharedBoard();
    const closed = new Promise((resolve) => bob.socket.once("board:closed", resolve));
    await alice.op({ type: "member.set", user: "bob", role: null });
    expect(await closed).toEqual({ boardId: id, reason: "access-revoked", by: "alice" });
    const res = await bob.socket.emitWithAck("board:sync", { boardId: id, sinceRev: 0 });
    expect(res).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    const list = await bob.socket.emitWithAck("board:list", {});
    expect(list.ok && list.boards.some((x) => x.id === id)).toBe(false);
    expect(newOpId()).toMatch(/^[a-f0-9]{32}$/);
  });
});
