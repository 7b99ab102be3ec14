import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBoardClient, eventually } from "../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";

function pointsOf(client: TestBoardClient, widgetId: string): [number, number][] {
  const w = client.doc.widgets[widgetId];
  return w?.type === "chart" ? w.data.points : [];
}

describe("the welcome board and live feeds", () => {
  let server: TestInstance;
  let socket: TestSocket;
  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true });
    socket = await connectOk(server.url, { token: await tokenFor("alice") });
  });
  afterAll(async () => {
    socket?.close();
    await server?.close();
  });

  it("gives a fresh install a shared board whose metric charts move while someone watches", async () => {
    const list = await socket.emitWithAck("board:list", {});
    const welcome = list.ok ? list.boards.find((b) => b.title === "Welcome to Pulseboard") : undefined;
    expect(welcome).toMatchObject({ owner: "admin", role: "editor" });
    const client = new TestBoardClient(socket, welcome!.id);
    await client.join();
    expect(
      Object.values(client.doc.widgets)
        .map((w) => w.type)
        .sort(),
    ).toEqual(["chart", "chart", "checklist", "kpi", "note"]);
    await eventually(() => expect(pointsOf(client, "connections").length).toBeGreaterThanOrEqual(2), 10_000);
    // One point per second, at whole seconds, and the value counts this very connection.
    const pts = pointsOf(client, "connections");
    expect(pts.every(([t]) => t % 1000 === 0)).toBe(true);
    expect(new Set(pts.map(([t]) => t)).size).toBe(pts.length);
    expect(pts.at(-1)![1]).toBeGreaterThanOrEqual(1);
    expect(pointsOf(client, "messages").length).toBeGreaterThanOrEqual(1);
  });

  it("stops feeding when nobody views the board", async () => {
    const list = await socket.emitWithAck("board:list", {});
    const id = list.ok ? list.boards.find((b) => b.title === "Welcome to Pulseboard")!.id : "";
    await socket.emitWithAck("board:leave", { boardId: id });
    await new Promise((r) => setTimeout(r, 1_200));
    const before = await socket.emitWithAck("board:sync", { boardId: id, sinceRev: 0 });
    await new Promise((r) => setTimeout(r, 2_500));
    const after = await socket.emitWithAck("board:sync", { boardId: id, sinceRev: 0 });
    expect(before.ok && after.ok && after.rev).toBe(before.ok && before.rev);
  });
});

describe("live feeds across two instances", () => {
  let redis: TestRedisServer;
  const servers: TestInstance[] = [];
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    redis = await TestRedisServer.start();
    servers.push(
      await startInstance({ redisUrl: redis.url, seedDemoUsers: true, env: { INSTANCE_ID: "feed-a" } }),
    );
    servers.push(
      await startInstance({ redisUrl: redis.url, seedDemoUsers: true, env: { INSTANCE_ID: "feed-b" } }),
    );
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
  });

  it("creates the welcome board once and appends one point per second however many instances have viewers", async () => {
    const clients: TestBoardClient[] = [];
    for (const s of servers) {
      const socket = await connectOk(s.url, { token: await tokenFor("bob") });
      sockets.push(socket);
      const list = await socket.emitWithAck("board:list", {});
      const welcome = list.ok ? list.boards.filter((b) => b.title === "Welcome to Pulseboard") : [];
      expect(welcome).toHaveLength(1);
      const client = new TestBoardClient(socket, welcome[0]!.id);
      await client.join();
      clients.push(client);
    }
    await eventually(
      () => expect(pointsOf(clients[0]!, "connections").length).toBeGreaterThanOrEqual(4),
      15_000,
    );
    const times = pointsOf(clients[0]!, "connections").map(([t]) => t);
    expect(new Set(times).size).toBe(times.length);
    await eventually(() => expect(clients[1]!.doc).toEqual(clients[0]!.doc));
  });
});
