import type { Socket as NetSocket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BoardSession } from "@/lib/client/board-session";
import { TestBoardClient, eventually, newOpId } from "../testing/board-client";
import { adminWatcher } from "../admin/test-clients";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import type { MetricsService } from "../metrics/service";
import { classifyPacket, queuedBytes, type EnginePacket } from "./outbound-cap";
import type { AppSocket } from "./types";

const CAP = 16 * 1024;
/** Long enough to fill the client's TCP buffers in a few hundred ops; notes take 20,000 characters. */
const TEXT_CHARS = 16_000;
/** Far more than the kernel's buffers on loopback hold; the loops stop long before. */
const MAX_STEPS = 3_000;

const layout = { x: 0, y: 0, w: 4, h: 3 };

/** Stops reading the socket's TCP connection, as a client whose tab hangs: the server's writes back up. */
function tcpOf(socket: TestSocket): NetSocket {
  const engine = socket.io.engine as unknown as { transport: { name: string; ws: { _socket: NetSocket } } };
  expect(engine.transport.name).toBe("websocket");
  return engine.transport.ws._socket;
}

function serverSocketOf(instance: TestInstance, user: string): AppSocket {
  const found = [...instance.app.io.of("/").sockets.values()].filter((s) => s.data.user.name === user);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function engineQueue(socket: AppSocket): EnginePacket[] {
  return (socket.conn as unknown as { writeBuffer: EnginePacket[] }).writeBuffer;
}

function slowCounters(instance: TestInstance) {
  return (instance.app.services as { metrics: MetricsService }).metrics.counters.slowConsumers;
}

describe("the outbound cap (OUTBOUND_BUFFER_MAX_BYTES)", () => {
  let instance: TestInstance;
  const sockets: TestSocket[] = [];
  const sessions: BoardSession[] = [];

  beforeAll(async () => {
    instance = await startInstance({
      env: {
        OUTBOUND_BUFFER_MAX_BYTES: String(CAP),
        // One op per frame, so that the queue grows by one op between two sweeps: a coalesced frame carries as
        // many ops as came in its window, which on a fast machine is many of these 16 KB ops.
        BOARD_OP_BATCH_MS: "0",
        RATE_LIMIT_EVENTS_PER_SEC: "100000",
        RATE_LIMIT_BURST: "100000",
      },
    });
  });
  afterEach(() => {
    sessions.splice(0).forEach((s) => s.stop());
    sockets.splice(0).forEach((s) => s.close());
  });
  afterAll(async () => {
    await instance?.close();
  });

  async function connectAs(user: string): Promise<TestSocket> {
    const socket = await connectOk(instance.url, { token: await tokenFor(user) });
    sockets.push(socket);
    return socket;
  }

  it("drops a stalled viewer's board ops for one resync, and the viewer converges once it reads again", async () => {
    // Sharing needs the users to exist: connecting creates them.
    const readerSocket = await connectAs("capreader");
    const stalledSocket = await connectAs("capstalled");
    const writerSocket = await connectAs("capwriter");
    const created = await writerSocket.emitWithAck("board:create", { title: "Slow consumers" });
    if (!created.ok) throw new Error(created.error.message);
    const alice = new TestBoardClient(writerSocket, created.board.id);
    await alice.join();
    for (const user of ["capreader", "capstalled"])
      expect((await alice.op({ type: "member.set", user, role: "viewer" })).ok).toBe(true);
    const added = await alice.op({
      type: "widget.add",
      widget: { id: "n1", type: "note", title: "", layout, data: { text: "" } },
    });
    if (!added.ok) throw new Error(added.error.message);
    const reader = new TestBoardClient(readerSocket, alice.boardId);
    await reader.join();

    const resyncs: unknown[] = [];
    stalledSocket.on("board:resync", (msg) => resyncs.push(msg));
    const sent: string[] = [];
    stalledSocket.onAnyOutgoing((event: string) => sent.push(event));
    const session = new BoardSession({
      socket: stalledSocket,
      boardId: alice.boardId,
      checkIntervalMs: 600_000,
    });
    sessions.push(session);
    session.start();
    await eventually(() => expect(session.getState().status).toBe("live"));
    const firstRev = reader.replica!.rev;

    const server = serverSocketOf(instance, "capstalled");
    const before = { ...slowCounters(instance) };
    const tcp = tcpOf(stalledSocket);
    tcp.pause();

    // Ops one at a time, each acknowledged before the next, and a sweep after each: between two sweeps the queue
    // grows by one op at most, whatever the machine's speed.
    let rev = added.entry.rev;
    let maxQueued = 0;
    let maxOpBytes = 0;
    let drops = 0;
    let afterDrop = 0;
    for (let i = 0; i < MAX_STEPS && afterDrop < 20; i++) {
      const text = String.fromCharCode(97 + (i % 26)).repeat(TEXT_CHARS);
      const res = await alice.op({ type: "note.text", widgetId: "n1", text, baseRev: rev }, newOpId());
      if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
      rev = res.entry.rev;
      maxOpBytes = Math.max(maxOpBytes, JSON.stringify(res.entry).length + 64);
      maxQueued = Math.max(maxQueued, queuedBytes(server));
      const swept = instance.app.outboundCap.sweep();
      drops += swept.dropped;
      expect(swept.disconnected).toBe(0);
      // Never more than one resync waiting, however many times its board ops were dropped.
      expect(engineQueue(server).filter((p) => classifyPacket(p) === "resync").length).toBeLessThanOrEqual(1);
      if (drops > 0) afterDrop++;
    }
    expect(drops).toBeGreaterThan(0);
    expect(server.connected).toBe(true);
    // The engine queue is held to the cap plus one op; what the transport holds is the batch it last took, which
    // was held to the same bound when it was taken.
    expect(maxQueued).toBeLessThanOrEqual(2 * (CAP + maxOpBytes));
    expect(slowCounters(instance).dropped).toBeGreaterThan(before.dropped);
    expect(slowCounters(instance).disconnected).toBe(before.disconnected);
    const scraped = await (await fetch(`${instance.url}/metrics`)).text();
    expect(scraped).toContain(
      `pulseboard_slow_consumers_total{action="dropped"} ${slowCounters(instance).dropped}`,
    );

    // The reader got every op in order, without having to catch up.
    await eventually(() => expect(reader.replica!.rev).toBe(rev));
    expect(reader.syncs).toBe(0);
    expect(reader.applied).toEqual(Array.from({ length: rev - firstRev }, (_, k) => firstRev + 1 + k));

    tcp.resume();
    await eventually(() => expect(session.getState().committed?.rev).toBe(rev), 20_000);
    // At least one: a second only if the first left engine.io's queue while the client was paused.
    expect(resyncs.length).toBeGreaterThanOrEqual(1);
    expect(resyncs.every((r) => JSON.stringify(r) === "{}")).toBe(true);
    expect(sent).toContain("board:sync");
    expect(session.getState().committed?.widgets).toEqual(reader.doc.widgets);
  });

  it("closes a stalled socket that is still over the cap without board ops to drop", async () => {
    const client = await connectAs("capnoticed");
    const server = serverSocketOf(instance, "capnoticed");
    const before = { ...slowCounters(instance) };
    const closed = new Promise<string>((resolve) => server.once("disconnect", resolve));
    const tcp = tcpOf(client);
    tcp.pause();
    const message = "x".repeat(8_000);
    const queuedInEngine = () => engineQueue(server).reduce((n, p) => n + String(p.data ?? "").length, 0);
    // Notices until engine.io holds twice the cap (the kernel's buffers fill first); nothing here is a board op.
    for (let i = 0; i < MAX_STEPS && queuedInEngine() <= 2 * CAP; i++) {
      server.emit("system:notice", { kind: "info", message, at: Date.now() });
      await new Promise((r) => setImmediate(r));
    }
    expect(queuedInEngine()).toBeGreaterThan(2 * CAP);
    const swept = instance.app.outboundCap.sweep();
    expect(swept).toMatchObject({ dropped: 0, disconnected: 1 });
    // Closed at once: nothing waits for a drain that a stalled client would never give.
    expect(engineQueue(server)).toHaveLength(0);
    expect(await closed).toBe("transport close");
    expect(slowCounters(instance).disconnected).toBe(before.disconnected + 1);
    expect(slowCounters(instance).dropped).toBe(before.dropped);

    // The client learns it lost the transport (not a server disconnect), so it would reconnect by itself.
    const clientSaw = new Promise<string>((resolve) => client.once("disconnect", resolve));
    tcp.resume();
    expect(await clientSaw).toBe("transport close");
  });

  it("works the same over long-polling, where packets wait for the client's next GET", async () => {
    const client = await connectOk(instance.url, {
      token: await tokenFor("cappolling"),
      transports: ["polling"],
    });
    sockets.push(client);
    const server = serverSocketOf(instance, "cappolling");
    expect(server.conn.transport.name).toBe("polling");
    const received: string[] = [];
    client.on("board:op", ({ entry }) => received.push(`op ${entry.rev}`));
    client.on("board:resync", () => received.push("resync"));
    const entry = (rev: number) => ({
      rev,
      opId: newOpId(),
      by: "someone",
      at: Date.now(),
      op: { type: "note.text" as const, widgetId: "n1", text: "p".repeat(4_000), baseRev: rev - 1 },
    });
    // Emitted in one go: at most the first goes out in a waiting GET's response, the others wait in engine.io.
    for (let rev = 1; rev <= 8; rev++) server.emit("board:op", { boardId: "elsewhere", entry: entry(rev) });
    expect(instance.app.outboundCap.sweep()).toMatchObject({ dropped: 1, disconnected: 0 });
    expect(engineQueue(server).map(classifyPacket)).toEqual(["resync"]);
    await eventually(() => expect(received).toContain("resync"));
    expect(received.filter((r) => r !== "resync").length).toBeLessThanOrEqual(1);

    const closed = new Promise<string>((resolve) => server.once("disconnect", resolve));
    for (let i = 0; i < 8; i++)
      server.emit("system:notice", { kind: "info", message: "q".repeat(4_000), at: 0 });
    expect(instance.app.outboundCap.sweep()).toMatchObject({ dropped: 0, disconnected: 1 });
    expect(await closed).toBe("forced close");
  });

  it("checks a connection with only an /admin socket too, and closes it past the cap", async () => {
    const watcher = await adminWatcher(instance.url, await tokenFor("capadmin", "admin"));
    const adminSockets = [...instance.app.io.of("/admin").sockets.values()].filter(
      (s) => s.data.user.name === "capadmin",
    );
    expect(adminSockets).toHaveLength(1);
    const server = adminSockets[0]! as unknown as AppSocket;
    const closed = new Promise<string>((resolve) => server.once("disconnect", resolve));
    const tcp = tcpOf(watcher.socket as unknown as TestSocket);
    tcp.pause();
    const queuedInEngine = () => engineQueue(server).reduce((n, p) => n + String(p.data ?? "").length, 0);
    for (let i = 0; i < MAX_STEPS && queuedInEngine() <= 2 * CAP; i++) {
      (server as unknown as { emit(event: string, msg: unknown): void }).emit(
        "admin:notice",
        "a".repeat(8_000),
      );
      await new Promise((r) => setImmediate(r));
    }
    expect(queuedInEngine()).toBeGreaterThan(2 * CAP);
    expect(instance.app.outboundCap.sweep()).toMatchObject({ dropped: 0, disconnected: 1 });
    expect(await closed).toBe("transport close");
    tcp.resume();
    watcher.close();
  });

  it("checks a connection that carries a main and an /admin socket once", async () => {
    const main = await connectOk(instance.url, { token: await tokenFor("capboth", "admin") });
    sockets.push(main);
    const checked = instance.app.outboundCap.sweep().checked;
    const admin = main.io.socket("/admin", { auth: main.auth as Record<string, unknown> });
    await new Promise<void>((resolve, reject) => {
      admin.once("connect", () => resolve()).once("connect_error", reject);
      admin.connect();
    });
    expect(instance.app.io.of("/admin").sockets.size).toBeGreaterThan(0);
    expect(instance.app.outboundCap.sweep().checked).toBe(checked);
    admin.disconnect();
  });

  it("leaves a socket under the cap alone", async () => {
    const client = await connectAs("capquiet");
    const server = serverSocketOf(instance, "capquiet");
    const tcp = tcpOf(client);
    tcp.pause();
    server.emit("system:notice", { kind: "info", message: "y".repeat(CAP / 2), at: Date.now() });
    expect(instance.app.outboundCap.sweep()).toMatchObject({ dropped: 0, disconnected: 0 });
    expect(server.connected).toBe(true);
    const got = new Promise((resolve) => client.once("system:notice", resolve));
    tcp.resume();
    await expect(got).resolves.toMatchObject({ kind: "info" });
  });
});

describe("OUTBOUND_BUFFER_MAX_BYTES=0", () => {
  it("turns the cap off: nothing is swept", async () => {
    const instance = await startInstance({ env: { OUTBOUND_BUFFER_MAX_BYTES: "0" } });
    try {
      expect(instance.config.outboundBufferMaxBytes).toBe(0);
      expect(instance.app.outboundCap.enabled).toBe(false);
      const client = await connectOk(instance.url, { token: await tokenFor("capoff") });
      try {
        const server = serverSocketOf(instance, "capoff");
        const tcp = tcpOf(client);
        tcp.pause();
        for (let i = 0; i < MAX_STEPS && engineQueue(server).length < 50; i++) {
          server.emit("system:notice", { kind: "info", message: "z".repeat(8_000), at: Date.now() });
          await new Promise((r) => setImmediate(r));
        }
        expect(engineQueue(server).length).toBeGreaterThanOrEqual(50);
        expect(instance.app.outboundCap.sweep()).toEqual({ checked: 0, dropped: 0, disconnected: 0 });
        expect(server.connected).toBe(true);
        tcp.resume();
      } finally {
        client.close();
      }
    } finally {
      await instance.close();
    }
  });
});
