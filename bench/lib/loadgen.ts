/**
 * A load-generator process: opens viewer connections to one kind of server and times every delivery, or
 * publishes board ops at a fixed rate. Driven over IPC by bench/run.ts, which spreads viewers over several of
 * these so that one process's event loop is not the bottleneck.
 *
 * Readers apply what they receive as the client does: a `board:ops` batch is its entries one after another, each
 * counted as a delivery with its own latency, the revision order checked across frames and batches alike. Stalled
 * viewers (`stalled` in the spec) stop reading on `stall` and catch up on `resume`, as lib/client does.
 */
import { randomBytes } from "node:crypto";
import type { Socket as NetSocket } from "node:net";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { LogHistogram } from "../../server/metrics/log-histogram";
import {
  sharedClockMs,
  type Command,
  type ConvergeReport,
  type OpEntry,
  type OpMessage,
  type OpsMessage,
  type PublishSpec,
  sumCounters,
  type Reply,
  type ViewerSpec,
} from "./ipc";

interface Viewer {
  close(): void;
  isOpen(): boolean;
}

const histogram = new LogHistogram();
let received = 0;
let frames = 0;
let outOfOrder = 0;
let maxRev = 0;
let fromRev = 0;
const lastRev = new Map<number, number>();
let viewers: Viewer[] = [];
let nextViewer = 0;

function send(reply: Reply): void {
  process.send?.(reply);
}

function onEntry(viewer: number, entry: OpEntry, now: number): void {
  const { rev, op } = entry;
  if (rev < fromRev) return; // a straggler from the window before
  const sentAt = op.type === "kpi.value" ? op.value : Number.parseFloat(op.text);
  histogram.record(Math.max(0, now - sentAt));
  received++;
  const last = lastRev.get(viewer);
  if (last !== undefined && rev !== last + 1) outOfOrder++;
  lastRev.set(viewer, rev);
  if (rev > maxRev) maxRev = rev;
}

function onOp(viewer: number, msg: OpMessage): void {
  frames++;
  onEntry(viewer, msg.entry, sharedClockMs());
}

function onOps(viewer: number, msg: OpsMessage): void {
  frames++;
  const now = sharedClockMs();
  for (const entry of msg.entries) onEntry(viewer, entry, now);
}

function socketIoClient(url: string, token: string | undefined, localAddress?: string): Socket {
  return io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: token ? { token } : {},
    // engine.io-client hands localAddress to ws, which hands it to net.connect.
    ...(localAddress ? { localAddress } : {}),
  });
}

type Ack = { ok: true; [key: string]: unknown } | { ok: false; error: { code: string; message: string } };

async function joinBoard(socket: Socket, boardId: string): Promise<number> {
  const ack = (await socket.timeout(30_000).emitWithAck("board:join", { boardId })) as Ack;
  if (!ack.ok) throw new Error(`board:join: ${ack.error.code}`);
  return (ack.board as { rev: number }).rev;
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
    socket.once("connect", () => resolve());
  });
}

/** Resolves once the viewer is connected (and, on Pulseboard, has joined the board). */
async function openViewer(spec: ViewerSpec, i: number): Promise<Viewer> {
  const url = spec.urls[i % spec.urls.length]!;
  const id = nextViewer++;
  if (spec.kind === "ws") {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, "ws"), {
        perMessageDeflate: false,
        ...(spec.localAddress ? { localAddress: spec.localAddress } : {}),
      });
      ws.on("message", (data) => onOp(id, JSON.parse(String(data)) as OpMessage));
      ws.once("open", () =>
        resolve({ close: () => ws.terminate(), isOpen: () => ws.readyState === WebSocket.OPEN }),
      );
      ws.once("error", reject);
    });
  }
  const token = spec.tokens?.[i % spec.tokens.length];
  if (spec.stalled) {
    const viewer = new StalledViewer(url, token, spec.boardId!, spec.localAddress);
    await viewer.open();
    stalledViewers.push(viewer);
    return viewer;
  }
  const socket = socketIoClient(url, token, spec.localAddress);
  socket.on("board:op", (msg: OpMessage) => onOp(id, msg));
  socket.on("board:ops", (msg: OpsMessage) => onOps(id, msg));
  await connected(socket);
  const viewer = { close: () => socket.close(), isOpen: () => socket.connected };
  if (spec.kind === "pulseboard" && spec.boardId) {
    try {
      await joinBoard(socket, spec.boardId);
    } catch (err) {
      socket.close();
      throw err;
    }
  }
  return viewer;
}

/** The TCP socket under a socket.io-client connection (engine.io-client's websocket transport, then ws). */
function tcpSocket(socket: Socket): NetSocket | undefined {
  const engine = socket.io.engine as unknown as { transport?: { ws?: { _socket?: NetSocket } } };
  return engine.transport?.ws?._socket;
}

/**
 * A viewer that stops reading: its TCP socket is paused, so the kernel's buffers fill and then the server's. On
 * resume it catches up as lib/client's board session does: it applies ops in revision order, asks `board:sync`
 * from its last revision on a gap or a `board:resync`, and connects and joins again if the server dropped it.
 */
class StalledViewer {
  rev = 0;
  paused = false;
  receivedWhileStalled = 0;
  resyncs = 0;
  gaps = 0;
  syncs = 0;
  reconnects = 0;
  error: string | undefined;
  private socket: Socket | undefined;
  private syncing = false;
  private syncAgain = false;
  private dropped = false;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly boardId: string,
    private readonly localAddress: string | undefined,
  ) {}

  async open(): Promise<void> {
    const socket = socketIoClient(this.url, this.token, this.localAddress);
    this.socket = socket;
    this.dropped = false;
    socket.on("board:op", (msg: OpMessage) => this.onEntries([msg.entry]));
    socket.on("board:ops", (msg: OpsMessage) => this.onEntries(msg.entries));
    socket.on("board:resync", () => {
      this.resyncs++;
      this.sync();
    });
    socket.on("disconnect", () => {
      this.dropped = true;
      if (!this.paused && !this.closed) this.reconnect();
    });
    await connected(socket);
    this.rev = await joinBoard(socket, this.boardId);
  }

  private onEntries(entries: OpEntry[]): void {
    if (this.paused) this.receivedWhileStalled += entries.length;
    for (const entry of entries) {
      if (entry.rev <= this.rev) continue; // already have it (or it is its own)
      if (entry.rev === this.rev + 1) this.rev = entry.rev;
      else {
        this.gaps++;
        this.sync();
        return;
      }
    }
  }

  private sync(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    const socket = this.socket;
    if (!socket?.connected) return;
    this.syncing = true;
    this.syncs++;
    void (async () => {
      try {
        const ack = (await socket
          .timeout(30_000)
          .emitWithAck("board:sync", { boardId: this.boardId, sinceRev: this.rev })) as Ack;
        if (!ack.ok) throw new Error(`board:sync: ${ack.error.code}`);
        if (Array.isArray(ack.entries)) {
          for (const entry of ack.entries as OpEntry[]) if (entry.rev === this.rev + 1) this.rev = entry.rev;
        } else if (ack.snapshot) this.rev = Math.max(this.rev, (ack.snapshot as { rev: number }).rev);
        // A page shorter than the gap: ask again from where it ended.
        if (this.rev < (ack.rev as number)) this.syncAgain = true;
      } catch (err) {
        this.error ??= err instanceof Error ? err.message : String(err);
      } finally {
        this.syncing = false;
      }
      if (this.syncAgain) {
        this.syncAgain = false;
        this.sync();
      }
    })();
  }

  private reconnect(): void {
    this.reconnects++;
    this.open().catch((err: unknown) => {
      this.error ??= err instanceof Error ? err.message : String(err);
    });
  }

  stall(): void {
    this.paused = true;
    const tcp = this.socket && tcpSocket(this.socket);
    if (!tcp) throw new Error("no TCP socket under the socket.io-client connection");
    tcp.pause();
  }

  resume(): void {
    this.paused = false;
    if (this.dropped) this.reconnect();
    else if (this.socket) tcpSocket(this.socket)?.resume();
  }

  /** Asks once after resuming: the server may have sent nothing more since it dropped this socket's ops. */
  check(): void {
    if (!this.dropped) this.sync();
  }

  isOpen(): boolean {
    return this.socket?.connected ?? false;
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}

let stalledViewers: StalledViewer[] = [];

async function converge(rev: number, deadlineMs: number, resumedAt: number): Promise<ConvergeReport> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let checked = false;
  const done = () => stalledViewers.filter((v) => v.rev >= rev).length;
  while (done() < stalledViewers.length && performance.now() - resumedAt < deadlineMs) {
    await sleep(20);
    // Whatever was buffered has arrived by now; a viewer still behind asks for the rest.
    if (!checked && performance.now() - resumedAt > 1_000) {
      checked = true;
      for (const v of stalledViewers) if (v.rev < rev) v.check();
    }
  }
  return {
    type: "converged",
    total: stalledViewers.length,
    converged: done(),
    ms: performance.now() - resumedAt,
    ...sumCounters(stalledViewers),
    firstError: stalledViewers.find((v) => v.error)?.error,
  };
}
let resumedAt = 0;

async function connect(spec: ViewerSpec): Promise<Reply> {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: Math.min(spec.concurrency, spec.count) }, async () => {
      while (next < spec.count) {
        const i = next++;
        try {
          viewers.push(await openViewer(spec, i));
        } catch (err) {
          failed++;
          firstError ??= err instanceof Error ? err.message : String(err);
        }
      }
    }),
  );
  return {
    type: "connected",
    connected: spec.count - failed,
    failed,
    firstError,
    ms: performance.now() - started,
  };
}

function opMessage(spec: PublishSpec, seq: number, by: string): OpMessage {
  const rev = spec.startRev + seq;
  return {
    boardId: spec.boardId,
    entry: {
      rev,
      opId: `bench${randomBytes(6).toString("base64url")}`,
      // The value is the send time: every viewer computes its delivery latency from it.
      op:
        spec.padBytes && spec.noteWidgetId
          ? {
              type: "note.text",
              widgetId: spec.noteWidgetId,
              text: `${sharedClockMs()} ${"x".repeat(spec.padBytes)}`,
              baseRev: rev - 1,
            }
          : { type: "kpi.value", widgetId: spec.widgetId, value: sharedClockMs(), baseRev: rev - 1 },
      by,
      at: Date.now(),
    },
  };
}

/** Sends ops on schedule (catching up when a timer fires late) without waiting for acks in between. */
async function publish(spec: PublishSpec): Promise<Reply> {
  const report = {
    type: "published" as const,
    sent: 0,
    acked: 0,
    failed: 0,
    firstError: undefined as string | undefined,
  };
  let sendOne: (seq: number) => Promise<void>;
  let close: () => Promise<void>;
  if (spec.kind === "ws") {
    const ws = new WebSocket(spec.url.replace(/^http/, "ws"), { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
    sendOne = (seq) => {
      ws.send(JSON.stringify(opMessage(spec, seq, "bench")));
      report.acked++;
      return Promise.resolve();
    };
    close = () => Promise.resolve(ws.close());
  } else {
    const socket = socketIoClient(spec.url, spec.token);
    await new Promise<void>((resolve, reject) =>
      socket.once("connect", () => resolve()).once("connect_error", reject),
    );
    if (spec.kind === "socketio") {
      sendOne = (seq) => {
        socket.emit("publish", opMessage(spec, seq, "bench"));
        report.acked++;
        return Promise.resolve();
      };
    } else {
      sendOne = async (seq) => {
        const { boardId, entry } = opMessage(spec, seq, "publisher");
        const ack = (await socket
          .timeout(30_000)
          .emitWithAck("board:op", { boardId, opId: entry.opId, op: entry.op })) as {
          ok: boolean;
          entry?: { rev: number };
          error?: { code: string; message: string };
        };
        if (ack.ok && ack.entry?.rev === entry.rev) report.acked++;
        else {
          report.failed++;
          report.firstError ??= ack.ok ? `rev ${ack.entry?.rev}, expected ${entry.rev}` : ack.error?.message;
        }
      };
    }
    // Closing right after the last emit can drop what engine.io-client still holds: a plain Socket.IO publisher
    // waits for the server to answer one last event first (Pulseboard's has waited for every op's ack already).
    close = async () => {
      if (spec.kind === "socketio") await socket.timeout(30_000).emitWithAck("flush");
      socket.close();
    };
  }
  const total = Math.round((spec.ratePerSec * spec.durationMs) / 1000);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let maxLagMs = 0;
  const interval = 1000 / spec.ratePerSec;
  while (report.sent < total) {
    const elapsed = performance.now() - started;
    const due = Math.min(total, Math.floor(elapsed / interval) + 1);
    if (report.sent < due) maxLagMs = Math.max(maxLagMs, elapsed - report.sent * interval);
    while (report.sent < due) {
      const sending = sendOne(++report.sent).catch((err: unknown) => {
        report.failed++;
        report.firstError ??= String(err);
      });
      inFlight.push(sending);
    }
    const nextAt = started + report.sent * interval;
    await new Promise((r) => setTimeout(r, Math.max(0, nextAt - performance.now())));
  }
  await Promise.all(inFlight);
  await close();
  return { ...report, firstRev: spec.startRev + 1, lastRev: spec.startRev + total, maxLagMs };
}

async function handle(cmd: Command): Promise<Reply> {
  switch (cmd.type) {
    case "connect":
      return connect(cmd.spec);
    case "measure":
      histogram.reset();
      received = 0;
      frames = 0;
      outOfOrder = 0;
      maxRev = 0;
      fromRev = cmd.fromRev;
      lastRev.clear();
      return { type: "measuring" };
    case "report":
      return { type: "report", latency: histogram.toSparse(), received, frames, outOfOrder, maxRev };
    case "close":
      for (const v of viewers) v.close();
      viewers = [];
      stalledViewers = [];
      return { type: "closed" };
    case "publish":
      return publish(cmd.spec);
    case "count":
      return { type: "counted", open: viewers.filter((v) => v.isOpen()).length };
    case "stall":
      for (const v of stalledViewers) v.stall();
      return { type: "stalled" };
    case "resume":
      resumedAt = performance.now();
      for (const v of stalledViewers) v.resume();
      return { type: "resumed" };
    case "converge":
      return converge(cmd.rev, cmd.deadlineMs, resumedAt);
  }
}

process.on("message", (cmd: Command) => {
  handle(cmd).then(send, (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
process.on("disconnect", () => process.exit(0));
