import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBoardClient, eventually } from "@/server/testing/board-client";
import { connect, connectOk, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { TestRedisCluster } from "@/server/testing/redis-cluster";
import { EditingClient } from "@/server/testing/editing-client";
import { spawnTs, type ManagedProcess } from "@/server/testing/process";
import { TEST_SECRET } from "@/server/testing/instance";
import { expectConverged, sharedChecklistBoard } from "@/server/testing/converge";
import { withTestDatabase } from "@/server/testing/test-database";
import type { TaskInfo } from "@/lib/protocol/tasks";

describe("two instances on a Redis Cluster (3 masters, 3 replicas)", () => {
  let cluster: TestRedisCluster;
  let a: TestInstance;
  let b: TestInstance;
  const sockets: TestSocket[] = [];
  const workers: ManagedProcess[] = [];
  const editors: EditingClient[] = [];

  beforeAll(async () => {
    cluster = await TestRedisCluster.start();
    const env = { REDIS_CLUSTER_NODES: cluster.nodesEnv, MAX_CONNECTIONS_PER_USER: "5" };
    a = await startInstance({ seedDemoUsers: true, env: { ...env, INSTANCE_ID: "cl-a" } });
    b = await startInstance({ env: { ...env, INSTANCE_ID: "cl-b" } });
    // The demo users open many sockets below; a runtime override (stored in the database) lifts their limit.
    const admin = `Bearer ${await tokenFor("admin", "admin")}`;
    for (const user of ["alice", "bob"]) {
      const res = await fetch(`${a.url}/api/admin/limits/users/${user}`, {
        method: "PUT",
        headers: {
          authorization: admin,
          "content-type": "application/json",
          origin: "http://localhost:3000",
        },
        body: JSON.stringify({ limit: 50 }),
      });
      expect(res.status).toBe(200);
    }
  }, 60_000);
  afterAll(async () => {
    try {
      sockets.forEach((s) => s.close());
      editors.forEach((e) => e.close());
      await Promise.all(workers.map((w) => w.stop("SIGKILL")));
      await Promise.all([a?.close(), b?.close()]);
    } finally {
      await cluster?.stop();
    }
  });

  it("admits exactly the limit out of 200 concurrent connects spread over both instances", async () => {
    for (let round = 0; round < 3; round++) {
      const token = await tokenFor(`racer${round}`);
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => connect(i % 2 ? a.url : b.url, { token })),
      );
      const admitted = outcomes.filter((o) => o.ok);
      expect(admitted).toHaveLength(5);
      expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.code === "CONNECTION_LIMIT")).toBe(true);
      admitted.forEach((o) => o.socket.close());
    }
  }, 60_000);

  it("shows two clients on two instances the same ops in the same order, and converges", async () => {
    const alice = await connectOk(a.url, { token: await tokenFor("alice") });
    sockets.push(alice);
    const created = await alice.emitWithAck("board:create", { title: "Sharded" });
    if (!created.ok) throw new Error(created.error.message);
    const one = new TestBoardClient(alice, created.board.id);
    await one.join();
    await one.op({ type: "member.set", user: "bob", role: "editor" });
    await one.op({
      type: "widget.add",
      widget: { id: "c", type: "checklist", layout: { x: 0, y: 0, w: 6, h: 6 } },
    });
    const bobSocket = await connectOk(b.url, { token: await tokenFor("bob") });
    sockets.push(bobSocket);
    const two = new TestBoardClient(bobSocket, created.board.id);
    await two.join();
    const sends = [];
    for (let i = 0; i < 20; i++) {
      sends.push(one.op({ type: "checklist.add", widgetId: "c", item: { id: `a${i}`, text: "a" } }));
      sends.push(two.op({ type: "checklist.add", widgetId: "c", item: { id: `b${i}`, text: "b" } }));
    }
    const results = await Promise.all(sends);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const last = Math.max(...results.map((r) => (r.ok ? r.entry.rev : 0)));
    await eventually(() => {
      expect(one.doc.rev).toBe(last);
      expect(two.doc.rev).toBe(last);
    });
    expect(one.doc).toEqual(two.doc);
    expect(two.applied.filter((r) => r > two.applied[0]!)).toEqual(
      [...two.applied.filter((r) => r > two.applied[0]!)].sort((x, y) => x - y),
    );
    // Presence crosses instances through the sharded adapter too.
    await eventually(() => expect(one.presence.map((v) => v.user)).toEqual(["alice", "bob"]));
  });

  it("delivers a user's events from one instance to the other", async () => {
    const bob = await connectOk(b.url, { token: await tokenFor("bob") });
    sockets.push(bob);
    const got = new Promise((resolve) => bob.once("system:notice", resolve));
    a.app.io.to("user:bob").emit("system:notice", { kind: "info", message: "across shards", at: Date.now() });
    expect(await got).toMatchObject({ message: "across shards" });
  });

  it("catches up a client that was away, from the op log on the cluster", async () => {
    const alice = await connectOk(a.url, { token: await tokenFor("alice") });
    sockets.push(alice);
    const created = await alice.emitWithAck("board:create", { title: "Away" });
    if (!created.ok) throw new Error(created.error.message);
    const writer = new TestBoardClient(alice, created.board.id);
    await writer.join();
    await writer.op({
      type: "widget.add",
      widget: { id: "k", type: "kpi", layout: { x: 0, y: 0, w: 3, h: 3 } },
    });
    const readerSocket = await connectOk(b.url, { token: await tokenFor("alice") });
    sockets.push(readerSocket);
    const reader = new TestBoardClient(readerSocket, created.board.id);
    await reader.join();
    readerSocket.disconnect();
    for (let i = 1; i <= 10; i++)
      await writer.op({
        type: "kpi.value",
        widgetId: "k",
        value: i,
        baseRev: writer.doc.widgets.k!.revs.value!,
      });
    readerSocket.connect();
    await eventually(() => expect(readerSocket.connected).toBe(true));
    const before = reader.doc.rev;
    await reader.sync();
    expect(reader.applied.filter((r) => r > before)).toEqual(
      Array.from({ length: 10 }, (_, i) => before + i + 1),
    );
    expect(reader.doc).toEqual(writer.doc);
  });

  it("runs a CSV import in a worker process on the cluster, with live progress through the sharded adapter", async () => {
    // On the cluster and in the instances' database.
    const worker = spawnTs(
      "server/worker.ts",
      await withTestDatabase({
        REDIS_CLUSTER_NODES: cluster.nodesEnv,
        AUTH_SECRET: TEST_SECRET,
        REDIS_KEY_PREFIX: "pbtest",
        LOG_LEVEL: "info",
        TASK_IMPORT_BATCH_SIZE: "50",
      }),
    );
    workers.push(worker);
    await worker.waitFor(/worker ready/, 30_000);
    const alice = await connectOk(a.url, { token: await tokenFor("alice") });
    sockets.push(alice);
    const created = await alice.emitWithAck("board:create", { title: "Imports on a cluster" });
    if (!created.ok) throw new Error(created.error.message);
    const client = new TestBoardClient(alice, created.board.id);
    await client.join();
    await client.op({
      type: "widget.add",
      widget: { id: "chart", type: "chart", layout: { x: 0, y: 0, w: 6, h: 4 } },
    });
    const updates: TaskInfo[] = [];
    alice.on("task:update", ({ task }) => updates.push(task));
    const rows = [
      "time,value",
      ...Array.from({ length: 400 }, (_, i) => `${1_700_000_000_000 + i},${i}`),
    ].join("\n");
    const res = await fetch(`${a.url}/api/tasks/csv-import?boardId=${created.board.id}&widgetId=chart`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor("alice")}`, "content-type": "text/csv" },
      body: rows,
    });
    expect(res.status).toBe(202);
    await eventually(() => expect(updates.at(-1)?.status).toBe("completed"), 30_000);
    expect(updates.filter((u) => u.status === "running").length).toBeGreaterThan(2);
    await eventually(() =>
      expect(client.doc.widgets.chart?.type === "chart" && client.doc.widgets.chart.data.points).toHaveLength(
        400,
      ),
    );
  }, 60_000);

  it("survives a master's failover while clients edit, losing no acknowledged op", async () => {
    const lists = ["f1", "f2", "f3", "f4"];
    const boardId = await sharedChecklistBoard(a.url, "alice", ["bob"], lists);
    const plan = [
      ["fa1", "alice", a.url],
      ["fb1", "bob", b.url],
      ["fa2", "alice", b.url],
      ["fb2", "bob", a.url],
    ] as const;
    for (const [i, [name, user, url]] of plan.entries())
      editors.push(new EditingClient(url, await tokenFor(user), name, boardId, lists[i]!));
    await eventually(() => expect(editors.every((c) => c.replica)).toBe(true));
    editors.forEach((c) => c.start(80));
    await eventually(() => expect(editors.every((c) => c.acked.size >= 5)).toBe(true), 15_000);

    const master = await cluster.masterFor(`pbtest:{b:${boardId}}:doc`);
    const killedAt = Date.now();
    await cluster.kill(master);
    await eventually(
      () => expect(editors.every((c) => c.firstAckAfter(killedAt + 500) !== undefined)).toBe(true),
      30_000,
    );
    const recoveryMs = Math.max(...editors.map((c) => c.firstAckAfter(killedAt + 500)! - killedAt));
    console.log(`board writes resumed ${recoveryMs} ms after its master was killed`);

    editors.forEach((c) => c.stop());
    await Promise.all(editors.map((c) => c.drained(30_000)));
    const { items } = await expectConverged(editors, a.url, boardId);
    console.log(`${items} ops through the failover`);
  }, 90_000);
});
