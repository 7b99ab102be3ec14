/**
 * A load-generator process: opens viewer connections to one kind of server and times every delivery, or
 * publishes board ops at a fixed rate. Driven over IPC by bench/run.ts, which spreads viewers over several of
 * these so that one process's event loop is not the bottleneck.
 */
import { randomBytes } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { LogHistogram } from "../../server/metrics/log-histogram";
import {
  sharedClockMs,
  type Command,
  type OpMessage,
  type PublishSpec,
  type Reply,
  type ViewerSpec,
} from "./ipc";

interface Viewer {
  close(): void;
}

const histogram = new LogHistogram();
let received = 0;
let outOfOrder = 0;
let maxRev = 0;
const lastRev = new Map<number, number>();
let viewers: Viewer[] = [];

function send(reply: Reply): void {
  process.send?.(reply);
}

function onOp(viewer: number, msg: OpMessage): void {
  const now = sharedClockMs();
  const { rev, op } = msg.entry;
  histogram.record(Math.max(0, now - op.value));
  received++;
  const last = lastRev.get(viewer);
  if (last !== undefined && rev !== last + 1) outOfOrder++;
  lastRev.set(viewer, rev);
  if (rev > maxRev) maxRev = rev;
}

function socketIoClient(url: string, token: string | undefined): Socket {
  return io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: token ? { token } : {},
  });
}

/** Resolves once the viewer is connected (and, on Pulseboard, has joined the board). */
function openViewer(spec: ViewerSpec, i: number): Promise<Viewer> {
  const url = spec.urls[i % spec.urls.length]!;
  if (spec.kind === "ws") {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, "ws"), { perMessageDeflate: false });
      ws.on("message", (data) => onOp(i, JSON.parse(String(data)) as OpMessage));
      ws.once("open", () => resolve({ close: () => ws.terminate() }));
      ws.once("error", reject);
    });
  }
  const token = spec.tokens?.[i % spec.tokens.length];
  const socket = socketIoClient(url, token);
  socket.on("board:op", (msg: OpMessage) => onOp(i, msg));
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (err) => {
      socket.close();
      reject(err);
    });
    socket.once("connect", () => {
      const viewer = { close: () => socket.close() };
      if (spec.kind !== "pulseboard" || !spec.boardId) return resolve(viewer);
      socket
        .timeout(30_000)
        .emitWithAck("board:join", { boardId: spec.boardId })
        .then((ack: { ok: boolean; error?: { code: string } }) => {
          if (ack.ok) resolve(viewer);
          else reject(new Error(`board:join: ${ack.error?.code}`));
        }, reject);
    });
  });
}

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
      op: { type: "kpi.value", widgetId: spec.widgetId, value: sharedClockMs(), baseRev: rev - 1 },
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
  let close: () => void;
  if (spec.kind === "ws") {
    const ws = new WebSocket(spec.url.replace(/^http/, "ws"), { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
    sendOne = (seq) => {
      ws.send(JSON.stringify(opMessage(spec, seq, "bench")));
      report.acked++;
      return Promise.resolve();
    };
    close = () => ws.close();
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
    close = () => socket.close();
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
  close();
  return { ...report, firstRev: spec.startRev + 1, lastRev: spec.startRev + total, maxLagMs };
}

async function handle(cmd: Command): Promise<Reply> {
  switch (cmd.type) {
    case "connect":
      return connect(cmd.spec);
    case "measure":
      histogram.reset();
      received = 0;
      outOfOrder = 0;
      maxRev = 0;
      lastRev.clear();
      return { type: "measuring" };
    case "report":
      return { type: "report", latency: histogram.toSparse(), received, outOfOrder, maxRev };
    case "close":
      for (const v of viewers) v.close();
      viewers = [];
      return { type: "closed" };
    case "publish":
      return publish(cmd.spec);
  }
}

process.on("message", (cmd: Command) => {
  handle(cmd).then(send, (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
process.on("disconnect", () => process.exit(0));
