import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBoardClient, eventually } from "../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestPostgres } from "../testing/postgres";
import { TestRedisServer } from "../testing/redis-server";

interface Mode {
  name: string;
  start(): Promise<{ server: TestInstance; stop(): Promise<void> }>;
}

const modes: Mode[] = [
  {
    name: "embedded",
    async start() {
      const server = await startInstance({ seedDemoUsers: true });
      return { server, stop: () => server.close() };
    },
  },
  {
    name: "Redis and PostgreSQL",
    async start() {
      const redis = await TestRedisServer.start();
      const postgres = await TestPostgres.start();
      const server = await startInstance({
        seedDemoUsers: true,
        redisUrl: redis.url,
        env: { DATABASE_URL: await postgres.createDatabase() },
      });
      return {
        server,
        async stop() {
          await server.close();
          await Promise.all([redis.stop(), postgres.stop()]);
        },
      };
    },
  },
];

/** A board that nobody has open on an instance is not in that instance's memory. */
describe.each(modes)("boards in memory ($name)", (mode) => {
  let server: TestInstance;
  let stop: () => Promise<void>;
  const sockets: TestSocket[] = [];
  const as = async (user: string) => {
    const s = await connectOk(server.url, { token: await tokenFor(user) });
    sockets.push(s);
    return s;
  };
  const inMemory = (boardId: string) => server.app.services.boards!.inMemory().includes(boardId);

  async function boardWithKpi(owner: TestSocket, share?: string) {
    const created = await owner.emitWithAck("board:create", { title: "Open and closed" });
    if (!created.ok) throw new Error(created.error.message);
    const client = new TestBoardClient(owner, created.board.id);
    await client.join();
    const layout = { x: 0, y: 0, w: 3, h: 2 };
    const added = await client.op({ type: "widget.add", widget: { id: "k", type: "kpi", layout } });
    if (!added.ok) throw new Error(added.error.message);
    if (share) await client.op({ type: "member.set", user: share, role: "viewer" });
    return client;
  }

  beforeAll(async () => {
    ({ server, stop } = await mode.start());
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await stop();
  });

  it("drops the board once its last viewer leaves, and reads it back whole when someone opens it again", async () => {
    const alice = await as("alice");
    const bob = await as("bob");
    const owner = await boardWithKpi(alice, "bob");
    const { boardId } = owner;
    const viewer = new TestBoardClient(bob, boardId);
    await viewer.join();
    expect(inMemory(boardId)).toBe(true);

    expect(await alice.emitWithAck("board:leave", { boardId })).toEqual({ ok: true });
    // Bob still has it open.
    await eventually(() => expect(viewer.presence.map((v) => v.user)).toEqual(["bob"]));
    expect(inMemory(boardId)).toBe(true);

    expect(await bob.emitWithAck("board:leave", { boardId })).toEqual({ ok: true });
    await eventually(() => expect(inMemory(boardId)).toBe(false));

    const again = new TestBoardClient(alice, boardId);
    await again.join();
    expect(again.doc).toEqual(owner.doc);
    expect(inMemory(boardId)).toBe(true);
  });

  it("drops the board when its last viewer disconnects", async () => {
    const carol = await as("carol");
    const { boardId } = await boardWithKpi(carol);
    expect(inMemory(boardId)).toBe(true);
    carol.close();
    await eventually(() => expect(inMemory(boardId)).toBe(false));
  });
});
