import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommittedOp } from "@/lib/protocol/boards";
import { closeRedis, createRedisClient, waitReady } from "@/server/redis/connection";
import { TestBoardClient, eventually } from "@/server/testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { testLogger } from "@/server/testing/logger";
import { TestPostgres } from "@/server/testing/postgres";
import { TestRedisServer } from "@/server/testing/redis-server";

const layout = { x: 0, y: 0, w: 4, h: 3 };

/**
 * Redis holds only what can be rebuilt once PostgreSQL is the system of record: two instances on one Redis and one
 * PostgreSQL take edits through both; Redis is flushed and restarted, the instances too; nothing acknowledged is gone.
 */
describe("two instances on PostgreSQL, after Redis is wiped", () => {
  let pg: TestPostgres;
  let redis: TestRedisServer;
  let databaseUrl: string;
  const instances: TestInstance[] = [];
  const sockets: TestSocket[] = [];

  const start = async (id: string) => {
    const inst = await startInstance({
      redisUrl: redis.url,
      env: { INSTANCE_ID: id, INSTANCE_LEASE_MS: "1500", DATABASE_URL: databaseUrl },
    });
    instances.push(inst);
    return inst;
  };
  const on = async (inst: TestInstance, user: string) => {
    const s = await connectOk(inst.url, { token: await tokenFor(user) });
    sockets.push(s);
    return s;
  };
  const closeAll = async () => {
    sockets.splice(0).forEach((s) => s.close());
    await Promise.all(instances.splice(0).map((i) => i.close()));
  };

  beforeAll(async () => {
    [pg, redis] = await Promise.all([TestPostgres.start(), TestRedisServer.start()]);
    databaseUrl = await pg.createDatabase();
  });
  afterAll(async () => {
    try {
      await closeAll();
    } finally {
      await Promise.all([redis?.stop(), pg?.stop()]);
    }
  });

  it("keeps every acknowledged op, board, user, notification and task record", async () => {
    let [a, b] = await Promise.all([start("wipe-a"), start("wipe-b")]);
    expect(a.backends.database?.dialect).toBe("postgres");

    const aliceSocket = await on(a, "alice");
    const bobSocket = await on(b, "bob");
    const created = await aliceSocket.emitWithAck("board:create", { title: "Kept" });
    if (!created.ok) throw new Error(created.error.message);
    const boardId = created.board.id;
    const alice = new TestBoardClient(aliceSocket, boardId);
    await alice.join();
    const acked: CommittedOp[] = [];
    const keep = (res: Awaited<ReturnType<TestBoardClient["op"]>>) => {
      if (!res.ok) throw new Error(res.error.message);
      acked.push(res.entry);
    };
    keep(await alice.op({ type: "member.set", user: "bob", role: "editor" }));
    keep(
      await alice.op({ type: "widget.add", widget: { id: "c1", type: "checklist", title: "Todo", layout } }),
    );
    keep(await alice.op({ type: "widget.add", widget: { id: "n1", type: "note", layout } }));
    const bob = new TestBoardClient(bobSocket, boardId);
    await bob.join();
    // Edits through both instances at once.
    const sends = [];
    for (let i = 0; i < 15; i++) {
      sends.push(
        alice.op({ type: "checklist.add", widgetId: "c1", item: { id: `a${i}`, text: `alice ${i}` } }),
      );
      sends.push(bob.op({ type: "checklist.add", widgetId: "c1", item: { id: `b${i}`, text: `bob ${i}` } }));
    }
    (await Promise.all(sends)).forEach(keep);
    keep(
      await alice.op({ type: "note.text", widgetId: "n1", text: "over to you @bob", baseRev: alice.doc.rev }),
    );
    const lastRev = Math.max(...acked.map((e) => e.rev));
    await eventually(() => {
      expect(alice.doc.rev).toBe(lastRev);
      expect(bob.doc.rev).toBe(lastRev);
    });
    const before = alice.doc;
    await eventually(async () => {
      const feed = await bob.socket.emitWithAck("notify:list", {});
      expect(feed.ok && feed.items.map((i) => i.kind)).toContain("mention");
    });
    const bobFeed = await bob.socket.emitWithAck("notify:list", {});
    // A background task: its record is in PostgreSQL, whatever becomes of its BullMQ job.
    const started = await aliceSocket.emitWithAck("task:start", { kind: "board-export", boardId });
    if (!started.ok) throw new Error(started.error.message);

    // Redis loses everything: flushed, then restarted; the instances restart on it.
    const client = createRedisClient({ url: redis.url }, "wipe", "command", testLogger());
    try {
      await waitReady(client);
      // In one transaction: the running instances write again at once (leases, metrics), so a DBSIZE sent after
      // the FLUSHALL could count their new keys.
      const replies = await client.multi().flushall().dbsize().exec();
      expect(replies?.map(([err, reply]) => err ?? reply)).toEqual(["OK", 0]);
    } finally {
      await closeRedis(client);
    }
    await closeAll();
    await redis.restart();
    [a, b] = await Promise.all([start("wipe-a2"), start("wipe-b2")]);

    // The users, and the board with every acknowledged op, exactly once and at its revision.
    expect(await a.backends.users.get("alice")).toBeDefined();
    expect(await a.backends.users.get("bob")).toBeDefined();
    const stores = await a.backends.stores();
    for (const entry of acked) expect(await stores.boards.committed(boardId, entry.opId)).toEqual(entry);
    const log = await stores.boards.entriesSince(boardId, 0, 1_000);
    expect(log?.map((e) => e.rev)).toEqual(Array.from({ length: lastRev }, (_, i) => i + 1));
    expect(new Set(log?.map((e) => e.opId))).toEqual(new Set(acked.map((e) => e.opId)));

    const alice2 = new TestBoardClient(await on(a, "alice"), boardId);
    await alice2.join();
    expect(alice2.doc).toEqual(before);
    const tasks = await alice2.socket.emitWithAck("task:list", {});
    expect(tasks.ok && tasks.tasks.map((t) => [t.id, t.owner, t.boardId])).toEqual([
      [started.task.id, "alice", boardId],
    ]);
    const bobSocket2 = await on(b, "bob");
    const list = await bobSocket2.emitWithAck("board:list", {});
    expect(list.ok && list.boards.map((x) => x.id)).toEqual([boardId]);
    expect(await bobSocket2.emitWithAck("notify:list", {})).toEqual(bobFeed);

    // And the clients go on editing through both instances, and converge.
    const bob2 = new TestBoardClient(bobSocket2, boardId);
    await bob2.join();
    const after = await Promise.all([
      alice2.op({ type: "checklist.add", widgetId: "c1", item: { id: "a-after", text: "after" } }),
      bob2.op({ type: "checklist.add", widgetId: "c1", item: { id: "b-after", text: "after" } }),
    ]);
    expect(after.map((r) => r.ok)).toEqual([true, true]);
    await eventually(() => {
      expect(alice2.doc.rev).toBe(lastRev + 2);
      expect(bob2.doc).toEqual(alice2.doc);
    });
  });
});
