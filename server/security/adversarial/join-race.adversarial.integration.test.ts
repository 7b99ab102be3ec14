import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommittedOp } from "@/lib/protocol/boards";
import { TestBoardClient, eventually, newOpId } from "../../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../../testing/clients";
import { startInstance, type TestInstance } from "../../testing/instance";
import { TestRedisServer } from "../../testing/redis-server";

const layout = { x: 0, y: 0, w: 2, h: 2 };

/**
 * board:join awaits the store twice before it registers presence. A disconnect, a leave or a revoke that lands in
 * between must still win: no presence entry for a socket that is gone (its lease would be renewed forever), and
 * no op delivered to a socket whose access was revoked while it was joining.
 */
describe.each(["embedded", "redis"] as const)("board:join races (%s)", (mode) => {
  let redis: TestRedisServer | undefined;
  let server: TestInstance;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    if (mode === "redis") redis = await TestRedisServer.start();
    server = await startInstance({
      redisUrl: redis?.url,
      seedDemoUsers: true,
      env: { INSTANCE_LEASE_MS: "1500", MAX_CONNECTIONS_PER_USER: "1000" },
    });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server?.close();
    await redis?.stop();
  });

  async function connect(user: string): Promise<TestSocket> {
    const socket = await connectOk(server.url, { token: await tokenFor(user) });
    sockets.push(socket);
    return socket;
  }

  async function createBoard(owner: TestSocket, title: string): Promise<string> {
    const created = await owner.emitWithAck("board:create", { title });
    if (!created.ok) throw new Error(created.error.message);
    return created.board.id;
  }

  it("join then disconnect, in a loop, leaves no ghost viewer and no renewed lease", async () => {
    const alice = await connect("alice");
    const boardId = await createBoard(alice, "Race");
    const owner = new TestBoardClient(alice, boardId);
    await owner.join();
    await owner.op({ type: "member.set", user: "bob", role: "editor" });

    const rounds = 20;
    const perRound = 10;
    for (let r = 0; r < rounds; r++) {
      await Promise.all(
        Array.from({ length: perRound }, async (_, i) => {
          const bob = await connect("bob");
          // The join is on the wire; the disconnect follows at once, while the server awaits the store.
          bob.emit("board:join", { boardId }, () => {});
          if ((r + i) % 2 === 0) bob.emit("board:leave", { boardId }, () => {});
          bob.close();
        }),
      );
    }
    const presence = server.app.context.services.presence!;
    // Every join and cleanup settles within a few lease renewals; a ghost would stay for good.
    await eventually(async () => {
      expect((await presence.viewers(boardId)).map((v) => v.user)).toEqual(["alice"]);
    });
    // Three renewals later, still no one else: no lease of a closed socket is being renewed.
    await new Promise((r) => setTimeout(r, 1_600));
    const viewers = await presence.viewers(boardId);
    console.log(`[join-race ${mode}] ${rounds * perRound} join+disconnect; viewers after:`, viewers);
    expect(viewers.map((v) => v.user)).toEqual(["alice"]);
    expect(viewers[0]?.connections).toBe(1);
    expect(owner.presence.map((v) => v.user)).toEqual(["alice"]);
  });

  it("a socket whose access is revoked while it joins receives no later op", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    const received = new Map<string, CommittedOp[]>();
    bob.on("board:op", ({ boardId, entry }) => {
      const list = received.get(boardId) ?? [];
      list.push(entry);
      received.set(boardId, list);
    });

    const rounds = 30;
    let joinedBeforeRevoke = 0;
    const leaks: string[] = [];
    for (let r = 0; r < rounds; r++) {
      const boardId = await createBoard(alice, `Revoke ${r}`);
      const owner = new TestBoardClient(alice, boardId);
      await owner.join();
      await owner.op({ type: "member.set", user: "bob", role: "editor" });
      // Bob's join and Alice's revoke race; the revoke is sent a little later in odd rounds.
      const join = bob.emitWithAck("board:join", { boardId });
      if (r % 2 === 1) await new Promise((res) => setImmediate(res));
      const revoke = await owner.op({ type: "member.set", user: "bob", role: null });
      if (!revoke.ok) throw new Error(revoke.error.message);
      const joined = await join;
      if (joined.ok) joinedBeforeRevoke++;
      const after = await owner.op({
        type: "widget.add",
        widget: { id: `w${r}`, type: "checklist", title: "After", layout },
      });
      if (!after.ok) throw new Error(after.error.message);
      // Anything sent to Bob before this ack arrives before it: one connection keeps order.
      await bob.emitWithAck("board:list", {});
      const late = (received.get(boardId) ?? []).filter((e) => e.rev > revoke.entry.rev);
      if (late.length > 0) leaks.push(boardId);
    }
    console.log(
      `[join-race ${mode}] revoke during join: ${rounds} rounds, ${joinedBeforeRevoke} joins acked ok, ${leaks.length} leaked`,
    );
    expect(leaks).toEqual([]);
  });
});
