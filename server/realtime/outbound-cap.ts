import type { Logger } from "../logging/logger";
import type { AppServer, AppSocket } from "./types";

/**
 * Slow consumers. engine.io queues without limit what it cannot write yet (socket.io#3158, engine.io#420): with
 * WebSocket, a client that stops reading fills the TCP buffers, ws stops calling back, the transport stays
 * not-writable and every later packet waits in the engine socket's `writeBuffer`. With polling, packets wait there
 * between two GETs. This caps what one socket may have queued: past the cap, the board ops waiting for it
 * (`board:op`, `board:ops`) are dropped and one `board:resync` takes their place, so the client fetches them with
 * `board:sync` when it reads again; what is still over the cap after that (notices, presence, acks) closes the
 * connection, and the client reconnects and catches up as after any disconnect.
 *
 * Dropping a board op is safe because of how it is recovered: the resync is queued after the drop, so the client's
 * `board:sync` runs after it and fetches every op committed up to then. Acks are never dropped (an op's sender
 * learns its revision from the ack), nor anything but board ops.
 */

/** A packet as engine.io queues it (`engine.io/build/socket.js`, `sendPacket`). */
export interface EnginePacket {
  type: string;
  data?: unknown;
  /** A broadcast's WebSocket frame, built once for every recipient (socket.io-adapter's `_encode`). */
  options?: { wsPreEncodedFrame?: readonly { length: number }[] };
}

/** What of engine.io's socket this reads and changes: no public API exposes the queue. */
interface EngineConn {
  readyState: string;
  writeBuffer: EnginePacket[];
  transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
}

export type PacketKind = "board-op" | "resync" | "other";

// Socket.IO EVENT packets on the main namespace without an ack id, as the parser encodes them.
const BOARD_OP = '2["board:op",';
const BOARD_OPS = '2["board:ops",';
const RESYNC = '2["board:resync",';

/** Which of the packets waiting for a socket may be dropped (board ops), and which is a resync hint. */
export function classifyPacket(packet: EnginePacket): PacketKind {
  const data = packet.data;
  if (packet.type !== "message" || typeof data !== "string") return "other";
  // Cheap first: an EVENT on "/" with no ack id starts with `2["`.
  if (data.charCodeAt(0) !== 0x32 || data.charCodeAt(1) !== 0x5b) return "other";
  if (data.startsWith(BOARD_OP) || data.startsWith(BOARD_OPS)) return "board-op";
  if (data.startsWith(RESYNC)) return "resync";
  return "other";
}

/**
 * A queued packet's size on the wire, in O(1): the pre-encoded frame when there is one (exact), else the encoded
 * string's length plus the engine.io type byte (exact for ASCII, an underestimate for other text).
 */
export function packetBytes(packet: EnginePacket): number {
  const frame = packet.options?.wsPreEncodedFrame;
  if (frame) {
    let n = 0;
    for (const part of frame) n += part.length;
    return n;
  }
  const data = packet.data;
  if (typeof data === "string") return data.length + 1;
  if (data instanceof Uint8Array) return data.byteLength + 1;
  return 1;
}

/** Whether the socket's connection also carries a main namespace socket (socket.io's `Client#nsps`). */
function onMainNamespace(socket: AppSocket): boolean {
  return (socket.client as unknown as { nsps: Map<string, unknown> }).nsps.has("/");
}

function connOf(socket: AppSocket): EngineConn {
  return socket.conn as unknown as EngineConn;
}

function queueBytes(queue: readonly EnginePacket[]): number {
  let n = 0;
  for (const p of queue) n += packetBytes(p);
  return n;
}

/** Bytes handed to the WebSocket but not yet to the kernel (ws's `bufferedAmount`); polling writes at once. */
function transportBytes(conn: EngineConn): number {
  if (conn.transport.name !== "websocket") return 0;
  return conn.transport.socket?.bufferedAmount ?? 0;
}

/** What this instance still holds for a socket: its engine.io queue plus what its WebSocket has not written. */
export function queuedBytes(socket: AppSocket): number {
  const conn = connOf(socket);
  return queueBytes(conn.writeBuffer) + transportBytes(conn);
}

export interface OutboundCapOptions {
  io: AppServer;
  /** 0 turns the cap off. */
  maxBytes: number;
  /** How often every socket is checked. */
  intervalMs?: number;
  logger: Logger;
  /** Board ops were dropped from a socket's queue (`packets` of them) and a resync queued if none was waiting. */
  onDrop?: (socket: AppSocket, packets: number) => void;
  /** A socket was still over the cap without its board ops and was closed. */
  onDisconnect?: (socket: AppSocket) => void;
}

export interface SweepResult {
  checked: number;
  /** Sockets whose board ops were dropped. */
  dropped: number;
  disconnected: number;
}

export const DEFAULT_SWEEP_MS = 250;

/**
 * The cap for one application: `sweep()` checks every connection on this instance once, through its main
 * namespace socket, or its `/admin` socket when that is all it has. An idle socket costs one property read. `start()` runs it every `intervalMs` on an unref'd timer; `stop()` ends it.
 */
export class OutboundCap {
  readonly maxBytes: number;
  private readonly intervalMs: number;
  /** Sockets in a lagging episode: from the first drop until their queue holds no resync and is under the cap. */
  private readonly lagging = new Set<AppSocket>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: OutboundCapOptions) {
    this.maxBytes = opts.maxBytes;
    this.intervalMs = opts.intervalMs ?? DEFAULT_SWEEP_MS;
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  start(): this {
    if (!this.enabled || this.timer) return this;
    this.timer = setInterval(() => {
      try {
        this.sweep();
      } catch (err) {
        this.opts.logger.error({ err }, "outbound cap sweep failed");
      }
    }, this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.lagging.clear();
  }

  sweep(): SweepResult {
    const result: SweepResult = { checked: 0, dropped: 0, disconnected: 0 };
    if (!this.enabled) return result;
    const anyLagging = this.lagging.size > 0;
    for (const [name, nsp] of this.opts.io._nsps) {
      const main = name === "/";
      for (const socket of nsp.sockets.values() as IterableIterator<AppSocket>) {
        // A socket of another namespace (`/admin`) shares its connection, and so its queue, with its tab's main
        // socket when it has one, which is checked below or was above. One alone has no board ops to drop: past
        // the cap it is closed.
        if (!main && onMainNamespace(socket)) continue;
        result.checked++;
        const conn = connOf(socket);
        // Nothing queued in engine.io: nothing to drop, and what the transport holds cannot grow until it drains.
        if (conn.writeBuffer.length === 0 && !(anyLagging && this.lagging.has(socket))) continue;
        const outcome = this.check(socket, conn);
        if (outcome === "dropped") result.dropped++;
        else if (outcome === "disconnected") result.disconnected++;
      }
    }
    if (anyLagging) for (const s of this.lagging) if (s.disconnected) this.lagging.delete(s);
    return result;
  }

  private check(socket: AppSocket, conn: EngineConn): "ok" | "dropped" | "disconnected" {
    if (conn.readyState !== "open") return "ok";
    const queue = conn.writeBuffer;
    const inTransport = transportBytes(conn);
    let total = inTransport;
    let resyncQueued = false;
    for (const p of queue) {
      total += packetBytes(p);
      if (!resyncQueued && classifyPacket(p) === "resync") resyncQueued = true;
    }
    if (total <= this.maxBytes) {
      // The episode ends once the resync is on its way and the queue is back under the cap.
      if (!resyncQueued) this.lagging.delete(socket);
      return "ok";
    }
    const { user, connectionId } = socket.data;
    const kept: EnginePacket[] = [];
    // What the transport holds counts toward passing the cap, not toward closing: it is the batch engine.io handed
    // it at its last flush (so already held to the cap by the sweeps before), it cannot grow until it is written,
    // and a client that reads slowly may be reading it right now.
    let remaining = 0;
    let dropped = 0;
    for (const p of queue) {
      if (classifyPacket(p) === "board-op") dropped++;
      else {
        kept.push(p);
        remaining += packetBytes(p);
      }
    }
    if (remaining > this.maxBytes) {
      this.opts.logger.warn(
        { user: user.name, connectionId, queuedBytes: total, otherBytes: remaining, maxBytes: this.maxBytes },
        "disconnected a slow socket: its outbound queue is over OUTBOUND_BUFFER_MAX_BYTES without its board ops",
      );
      this.lagging.delete(socket);
      this.close(conn);
      this.opts.onDisconnect?.(socket);
      return "disconnected";
    }
    // Over only through what the transport holds, with no board op to drop: that cannot grow; wait for it.
    if (dropped === 0) return "ok";
    // Replaced rather than spliced: engine.io itself swaps in a new array on every flush.
    conn.writeBuffer = kept;
    if (!this.lagging.has(socket)) {
      this.lagging.add(socket);
      this.opts.logger.warn(
        {
          user: user.name,
          connectionId,
          queuedBytes: total,
          droppedPackets: dropped,
          maxBytes: this.maxBytes,
        },
        "slow socket: dropped its queued board ops and asked it to resync",
      );
    }
    // Queued after the drop, so the client's board:sync runs after it and fetches every dropped op.
    if (!resyncQueued) socket.emit("board:resync", {});
    this.opts.onDrop?.(socket, dropped);
    return "dropped";
  }

  /**
   * Frees what is held at once. A plain disconnect would queue behind the stalled data and wait for a drain that
   * may never come; without a Socket.IO disconnect packet the client sees a lost transport and reconnects.
   */
  private close(conn: EngineConn): void {
    conn.writeBuffer = [];
    const ws = conn.transport.socket;
    if (conn.transport.name === "websocket" && typeof ws?.terminate === "function") ws.terminate();
    else conn.close(true);
  }
}

/** Creates the cap for `io` and starts its sweep (a no-op with `maxBytes` 0). */
export function startOutboundCap(opts: OutboundCapOptions): OutboundCap {
  return new OutboundCap(opts).start();
}
