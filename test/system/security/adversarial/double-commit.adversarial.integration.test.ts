import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BoardOpInput, CommittedOp } from "@/lib/protocol/boards";
import { newOpId } from "@/server/testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { TestRedisServer } from "@/server/testing/redis-server";

/**
 * A client whose ack timed out resends its op under the same opId, while the original may still wait in the
 * board's queue behind a commit in flight, or be committed by another instance. Every copy must get the one
 * original entry: the op is in the log once, and no copy is told CONFLICT (with itself).
 */
const ROUNDS = 25;
const COPIES = 3;
const env = {
  MAX_CONNECTIONS_PER_USER: "50",
  RATE_LIMIT_EVENTS_PER_SEC: "10000",
  RATE_LIMIT_BURST: "10000",
};
const chart = { id: "c1", type: "chart" as const, layout: { x: 0, y: 0, w: 6, h: 4 } };

type OpAck = { ok: true; entry: CommittedOp } | { ok: false; error: { code: string; message: string } };
const send = (s: TestSocket, boardId: string, opId: string, op: BoardOpInput) =>
  s.emitWithAck("board:op", { boardId, opId, op }) as Promise<OpAck>;

async function fullLog(s: TestSocket, boardId: string): Promise<CommittedOp[]> {
  const res = await s.emitWithAck("board:sync", { boardId, sinceRev: 0 });
  if (!res.ok || !("entries" in res)) throw new Error("expected the log from revision 0");
  return res.entries;
}

async function newBoardWithChart(s: TestSocket): Promise<string> {
  const created = await s.emitWithAck("board:create", { title: "Busy" });
  if (!created.ok) throw new Error(created.error.message);
  const add = await send(s, created.board.id, newOpId(), { type: "widget.add", widget: chart });
  if (!add.ok) throw new Error(add.error.message);
  return created.board.id;
}

/**
 * Each round: one op that occupies the board's commit, then COPIES copies of a chart point under one opId, sent
 * from `senders` in turn without waiting, so that they queue behind the first (and, across instances, race).
 */
async function rounds(senders: TestSocket[], boardId: string, label: string) {
  let copies = 0;
  const opIds: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const busy = send(senders[0]!, boardId, newOpId(), {
      type: "chart.append",
      widgetId: "c1",
      points: [[round * 10, -1]],
    });
    const opId = newOpId();
    opIds.push(opId);
    const op: BoardOpInput = { type: "chart.append", widgetId: "c1", points: [[round * 10 + 1, round]] };
    const acks = await Promise.all(
      Array.from({ length: COPIES }, (_, i) => send(senders[i % senders.length]!, boardId, opId, op)),
    );
    copies += acks.length;
    expect((await busy).ok).toBe(true);
    for (const ack of acks) {
      expect(ack, `round ${round}`).toMatchObject({ ok: true });
    }
    const revs = new Set(acks.map((a) => (a.ok ? a.entry.rev : -1)));
    expect(revs.size, `round ${round}: every copy gets the one original entry`).toBe(1);
  }
  const log = await fullLog(senders[0]!, boardId);
  const perOpId = new Map<string, number>();
  for (const e of log) perOpId.set(e.opId, (perOpId.get(e.opId) ?? 0) + 1);
  const twice = opIds.filter((id) => (perOpId.get(id) ?? 0) !== 1);
  console.log(
    `[double-commit] ${label}: ${ROUNDS} rounds, ${copies} copies sent, ${opIds.length} opIds, ` +
      `${log.length} log entries, ${twice.length} opIds not committed exactly once`,
  );
  expect(twice).toEqual([]);
  // Revisions are dense: entry i is revision i + 1.
  expect(log.map((e) => e.rev)).toEqual(log.map((_, i) => i + 1));
}

const modes: [string, () => Promise<TestRedisServer | undefined>][] = [
  ["embedded", async () => undefined],
  ["redis", () => TestRedisServer.start()],
];

describe.each(modes)("an op resent while its original is queued (%s)", (mode, startRedis) => {
  let redis: TestRedisServer | undefined;
  let server: TestInstance;
  const sockets: TestSocket[] = [];
  const as = async (user: string, url = server.url) => {
    const s = await connectOk(url, { token: await tokenFor(user) });
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    redis = await startRedis();
    server = await startInstance({ redisUrl: redis?.url, seedDemoUsers: true, env });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server?.close();
    await redis?.stop();
  });

  it("commits it once when the copies come on one socket", async () => {
    const alice = await as("alice");
    await rounds([alice], await newBoardWithChart(alice), `${mode}, one socket`);
  });

  it("commits it once when the copies come on the socket of a reconnect", async () => {
    const alice = await as("alice");
    const again = await as("alice");
    await rounds([alice, again], await newBoardWithChart(alice), `${mode}, two sockets`);
  });

  it("answers a copy that follows the commit with the original entry, even when it would now conflict", async () => {
    const alice = await as("alice");
    const boardId = await newBoardWithChart(alice);
    const opId = newOpId();
    const rename: BoardOpInput = { type: "board.rename", title: "Renamed once", baseRev: 0 };
    const first = await send(alice, boardId, opId, rename);
    const second = await send(alice, boardId, opId, rename);
    expect(first.ok && second.ok && second.entry).toEqual(first.ok && first.entry);
  });

  it("refuses someone else's opId instead of revealing its entry", async () => {
    const alice = await as("alice");
    const bob = await as("bob");
    const boardId = await newBoardWithChart(alice);
    const shared = await send(alice, boardId, newOpId(), { type: "member.set", user: "bob", role: "editor" });
    expect(shared.ok).toBe(true);
    const opId = newOpId();
    const op: BoardOpInput = { type: "chart.append", widgetId: "c1", points: [[1, 1]] };
    const [mine, theirs] = await Promise.all([send(alice, boardId, opId, op), send(bob, boardId, opId, op)]);
    const later = await send(bob, boardId, opId, op);
    const outcomes = [mine, theirs].filter((a) => a.ok);
    // One of the two committed it; the other user's copy is refused, now and later.
    expect(outcomes).toHaveLength(1);
    const loser = mine.ok ? later : await send(alice, boardId, opId, op);
    expect(loser).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const log = await fullLog(alice, boardId);
    expect(log.filter((e) => e.opId === opId)).toHaveLength(1);
  });
});

describe("an op resent to another instance while the first still commits it (two instances, one Redis)", () => {
  let redis: TestRedisServer;
  const servers: TestInstance[] = [];
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    for (let i = 0; i < 2; i++)
      servers.push(await startInstance({ redisUrl: redis.url, seedDemoUsers: true, env }));
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  it("commits it once", async () => {
    for (const s of servers) sockets.push(await connectOk(s.url, { token: await tokenFor("alice") }));
    await rounds(sockets, await newBoardWithChart(sockets[0]!), "redis, two instances");
  });
});
