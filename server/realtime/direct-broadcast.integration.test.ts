import { createServer } from "node:http";
import type { AddressInfo, Socket as NetSocket } from "node:net";
import { Server, type Socket as ServerSocket } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeBroadcastsDirectly, type DirectBroadcasts } from "./direct-broadcast";
import { queuedBytes } from "./outbound-cap";
import { joinAllBroadcastFrames } from "./single-write-frames";
import type { AppServer, AppSocket } from "./types";

/** A message as the test sends it: one sequence number per send, shared by broadcasts, emits and acks. */
type Msg = { seq: number; pad?: string };

/** What a server socket's engine connection holds, as outbound-cap.ts reads it. */
type EngineConn = { writeBuffer: unknown[]; transport: { name: string; writable: boolean } };

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function until(check: () => boolean, what: string, tries = 2_000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never happened: ${what}`);
}

describe("broadcast frames written straight to idle WebSockets", () => {
  let io: Server;
  let direct: DirectBroadcasts;
  let url: string;
  let clients: ClientSocket[] = [];
  /** Outgoing Socket.IO EVENT messages seen through engine.io's packetCreate, as the /metrics counters count them. */
  let eventsOut = 0;
  /** What the server sent each client, by the client's id: the order every client must see. */
  const expected = new Map<string, number[]>();
  let seq = 0;

  beforeAll(async () => {
    const http = createServer();
    // No heartbeat during the tests, so that the only writes are the test's own.
    io = new Server(http, { perMessageDeflate: false, pingInterval: 600_000, pingTimeout: 600_000 });
    joinAllBroadcastFrames(io as unknown as AppServer);
    direct = writeBroadcastsDirectly(io as unknown as AppServer);
    io.engine.on(
      "connection",
      (conn: { on(e: string, fn: (p: { type: string; data?: unknown }) => void): void }) => {
        conn.on("packetCreate", (p) => {
          if (p.type === "message" && typeof p.data === "string" && p.data.charCodeAt(0) === 0x32)
            eventsOut++;
        });
      },
    );
    io.on("connection", (socket) => {
      // Answers with the next number, between two broadcasts: the ack must arrive between them.
      socket.on("ask", (ack: (msg: Msg) => void) => {
        broadcast();
        const n = ++seq;
        expected.get(socket.handshake.auth.name as string)!.push(n);
        ack({ seq: n });
        broadcast();
      });
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const c of clients) c.close();
    clients = [];
    expected.clear();
    // The next test counts writes exactly: no socket of this one may still be there to receive them.
    await until(() => io.of("/").sockets.size === 0, "the clients disconnected");
  });

  afterAll(async () => {
    await io.close();
  });

  /** A client that records every number it receives, from broadcasts, emits to it alone and acks, in order. */
  async function client(name: string, transports: ("websocket" | "polling")[] = ["websocket"]) {
    const socket = connect(url, { transports, forceNew: true, reconnection: false, auth: { name } });
    const got: number[] = [];
    socket.on("m", (msg: Msg) => got.push(msg.seq));
    clients.push(socket);
    expected.set(name, []);
    await new Promise<void>((resolve, reject) =>
      socket.once("connect", () => resolve()).once("connect_error", reject),
    );
    // A callback, not emitWithAck: a promise would record the answer a microtask late, after later messages.
    const ask = () =>
      new Promise<void>((resolve) => socket.emit("ask", (msg: Msg) => resolve(void got.push(msg.seq))));
    return { socket, got, ask, name };
  }

  function serverSocket(name: string): ServerSocket {
    const found = [...io.of("/").sockets.values()].filter((s) => s.handshake.auth.name === name);
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  function broadcast(pad?: string, volatile = false): number {
    const n = ++seq;
    for (const list of expected.values()) list.push(n);
    (volatile ? io.volatile : io).emit("m", pad === undefined ? { seq: n } : { seq: n, pad });
    return n;
  }

  function emitTo(name: string): void {
    const n = ++seq;
    expected.get(name)!.push(n);
    serverSocket(name).emit("m", { seq: n });
  }

  async function allArrived(receivers: { got: number[]; name: string }[]): Promise<void> {
    await until(
      () => receivers.every((r) => r.got.length >= expected.get(r.name)!.length),
      "every client received what was sent",
    );
    for (const r of receivers) expect(r.got).toEqual(expected.get(r.name));
  }

  it("writes each broadcast straight to every idle client, counted by packetCreate as before", async () => {
    const receivers = await Promise.all(["a", "b", "c"].map((n) => client(n)));
    const before = { ...direct.stats };
    const eventsBefore = eventsOut;
    for (let i = 0; i < 20; i++) {
      broadcast();
      await allArrived(receivers);
    }
    expect(direct.supported).toBe(true);
    // Every client was idle at every broadcast: no write was queued or in flight anywhere.
    expect(direct.stats.direct - before.direct).toBe(20 * receivers.length);
    expect(direct.stats.fallback - before.fallback).toBe(0);
    expect(eventsOut - eventsBefore).toBe(20 * receivers.length);
  });

  it("keeps broadcasts, emits to one socket and acks in order at every client, in bursts and one by one", async () => {
    const receivers = await Promise.all(["a", "b", "c", "d"].map((n) => client(n)));
    const before = { ...direct.stats };
    const eventsBefore = eventsOut;
    let asked = 0;
    const asks: Promise<unknown>[] = [];
    for (let round = 0; round < 60; round++) {
      // A burst in one tick: after an emit to one socket its transport waits for the write, and what follows queues.
      broadcast();
      emitTo(receivers[round % 4]!.name);
      broadcast();
      broadcast("x".repeat(round * 50));
      if (round % 3 === 0) {
        // An ack answered between two broadcasts.
        asks.push(receivers[(round + 1) % 4]!.ask());
        asked++;
      }
      if (round % 2 === 0) await tick();
      else await allArrived(receivers);
    }
    await Promise.all(asks);
    await allArrived(receivers);
    // Both paths were taken, and metrics saw every message either way: broadcasts, emits, and acks are not EVENTs.
    expect(direct.stats.direct - before.direct).toBeGreaterThan(0);
    expect(direct.stats.fallback - before.fallback).toBeGreaterThan(0);
    const events = receivers.reduce((n, r) => n + r.got.length, 0) - asked;
    expect(eventsOut - eventsBefore).toBe(events);
  });

  it("leaves polling alone, and keeps the order across an upgrade from polling", async () => {
    const ws = await client("ws");
    const polling = await client("polling", ["polling"]);
    const before = { ...direct.stats };
    for (let i = 0; i < 10; i++) {
      broadcast();
      await tick();
    }
    await allArrived([ws, polling]);
    // Ten to the WebSocket client directly, ten to the polling client through engine.io.
    expect(direct.stats.direct - before.direct).toBe(10);
    expect(direct.stats.fallback - before.fallback).toBe(10);

    // Connects on polling and upgrades to WebSocket while broadcasts go out.
    const upgrading = await client("upgrading", ["polling", "websocket"]);
    let sent = 0;
    while (upgrading.socket.io.engine.transport.name !== "websocket" && sent < 2_000) {
      broadcast();
      sent++;
      await tick();
    }
    await until(
      () => serverSocket("upgrading").conn.transport.name === "websocket",
      "the server side upgraded",
    );
    const afterUpgrade = direct.stats.direct;
    for (let i = 0; i < 10; i++) {
      broadcast();
      await allArrived([ws, polling, upgrading]);
    }
    expect(upgrading.socket.io.engine.transport.name).toBe("websocket");
    // Once upgraded, its deliveries are direct too: the WebSocket client's and its own.
    expect(direct.stats.direct - afterUpgrade).toBe(20);
    await allArrived([ws, polling, upgrading]);
  });

  it("queues for a stalled client in engine.io, where the outbound cap sees it, and delivers it all on resume", async () => {
    const reader = await client("reader");
    const stalled = await client("stalled");
    const server = serverSocket("stalled");
    const conn = server.conn as unknown as EngineConn;
    const engine = stalled.socket.io.engine as unknown as { transport: { ws: { _socket: NetSocket } } };
    const tcp = engine.transport.ws._socket;
    tcp.pause();

    // Large broadcasts until the kernel's buffers are full and the server's writes back up into engine.io's queue.
    const pad = "p".repeat(64 * 1024);
    const frameBytes = pad.length + 64;
    const ws = (server.conn as unknown as { transport: { socket: { bufferedAmount: number } } }).transport
      .socket;
    const heldBefore = direct.stats.held;
    let maxInSocket = 0;
    for (let i = 0; i < 2_000 && conn.writeBuffer.length === 0; i++) {
      broadcast(pad);
      maxInSocket = Math.max(maxInSocket, ws.bufferedAmount);
      await tick();
    }
    expect(conn.writeBuffer.length).toBeGreaterThan(0);
    expect(conn.transport.writable).toBe(false);
    // The direct write the kernel did not take held the transport as engine.io's own write does: what waits in the
    // net socket is one frame at most, and the rest waits in engine.io's queue, where the cap can drop it.
    expect(direct.stats.held - heldBefore).toBeGreaterThan(0);
    expect(maxInSocket).toBeGreaterThan(0);
    expect(maxInSocket).toBeLessThanOrEqual(frameBytes);

    // From here on every broadcast to it waits in engine.io's queue, counted by the cap, while the reader is served.
    const queued = conn.writeBuffer.length;
    const before = { ...direct.stats };
    for (let i = 0; i < 10; i++) {
      broadcast();
      // Volatile broadcasts are dropped for a socket that cannot be written to, as without the fast path.
      const dropped = broadcast(undefined, true);
      expected.get("stalled")!.splice(expected.get("stalled")!.indexOf(dropped), 1);
      await allArrived([reader]);
    }
    expect(conn.writeBuffer.length).toBe(queued + 10);
    expect(queuedBytes(server as unknown as AppSocket)).toBeGreaterThan(pad.length);
    // Its twenty (ten of them dropped as volatile) took the stock path; the reader's twenty were direct.
    expect(direct.stats.fallback - before.fallback).toBe(20);
    expect(direct.stats.direct - before.direct).toBe(20);

    tcp.resume();
    await allArrived([reader, stalled]);
    // Caught up, it is idle again: back on the direct path.
    const resumed = direct.stats.direct;
    broadcast();
    await allArrived([reader, stalled]);
    expect(direct.stats.direct - resumed).toBe(2);
  });

  it("delivers volatile broadcasts to idle clients directly", async () => {
    const receivers = await Promise.all(["v1", "v2"].map((n) => client(n)));
    const before = direct.stats.direct;
    for (let i = 0; i < 10; i++) {
      broadcast(undefined, true);
      await allArrived(receivers);
    }
    expect(direct.stats.direct - before).toBe(20);
  });
});
