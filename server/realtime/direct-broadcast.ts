import type { Namespace } from "socket.io";
import type { AppServer } from "./types";

/**
 * A direct write for broadcast frames. A broadcast is encoded once by the adapter into a WebSocket frame
 * (`wsPreEncodedFrame`, joined into one buffer by single-write-frames.ts), and every recipient then goes through
 * engine.io's per-packet bookkeeping to send it: a packet object, the `packetCreate`, `flush` and `drain` events,
 * the write buffer swapped, a send callback recorded, the transport made not-writable until the write's callback
 * makes it writable again and flushes. For an idle recipient on a WebSocket that is all bookkeeping around one
 * socket write. Here such a recipient gets the frame written straight to its WebSocket, and every other case (a
 * packet that is not a shared frame, polling, an upgrade under way, anything queued anywhere for that socket) takes
 * the stock path unchanged.
 *
 * Why it is safe:
 * - Order: a direct write happens only when nothing is queued in front of it: the engine's `writeBuffer` is empty,
 *   the transport is writable (no engine write is waiting for its callback) and the WebSocket's `bufferedAmount` is
 *   0 (nothing waits in ws or in the net socket). A later engine write goes to the same net socket after it.
 * - Slow clients: a direct write that the kernel does not take at once (the client stopped reading) leaves the
 *   transport not writable until the net socket has written it, exactly as engine.io's own write would: every later
 *   packet queues in engine.io's `writeBuffer` as before, where the outbound cap (outbound-cap.ts) sees and drops it,
 *   and engine.io flushes it when the write completes. What the net socket holds is counted by the cap through
 *   `bufferedAmount`, and is at most one frame, as with the stock path.
 * - Volatile packets are sent only when the transport is writable, the same rule as the stock path.
 * - Observers: `packetCreate` is emitted on the engine socket with the packet engine.io would have made (metrics
 *   count outgoing messages with it). engine.io's `flush` and `drain` events are not emitted for a direct write;
 *   nothing here listens to them, and socket.io itself does not.
 * - Write errors: the stock path learns of them through the write callback; a direct write has none, and the net
 *   socket's `error` event closes the WebSocket, which closes the engine socket ("transport close").
 *
 * What it relies on beyond public APIs, checked once at the first WebSocket (the stock path is kept if missing):
 * socket.io's `Client#writeToEngine(encodedPackets, opts)` (the step every adapter's broadcast ends in, for local
 * and remote broadcasts alike), engine.io's `writeBuffer` and `transport.writable`, and ws's `_sender.sendFrame`,
 * which engine.io's own WebSocket transport calls to send a pre-encoded frame (ws#617).
 */

interface WsLike {
  readyState: number;
  bufferedAmount: number;
  _sender: { sendFrame(frame: readonly Buffer[], cb?: (err?: Error | null) => void): void };
}

interface TransportLike {
  name: string;
  writable: boolean;
  perMessageDeflate?: unknown;
  socket?: WsLike;
  /** engine.io's socket flushes its `writeBuffer` on it (engine.io `Socket#setTransport`). */
  emit(event: "ready"): boolean;
}

interface EngineConnLike {
  readyState: string;
  writeBuffer: unknown[];
  transport: TransportLike;
  emit(event: "packetCreate", packet: EnginePacket): boolean;
}

interface EnginePacket {
  type: "message";
  options: PacketOptions;
  data: string;
}

interface PacketOptions {
  preEncoded?: boolean;
  volatile?: boolean;
  compress?: boolean;
  wsPreEncodedFrame?: readonly Buffer[];
}

interface ClientLike {
  conn: EngineConnLike;
  writeToEngine: WriteToEngine;
}

type WriteToEngine = (this: ClientLike, encodedPackets: unknown, opts: PacketOptions) => void;

const WS_OPEN = 1;
const NOTHING = Buffer.alloc(0);

/**
 * The kernel did not take a direct write at once: the transport is made not writable, as engine.io's own write
 * makes it, until the net socket has written everything up to here (a write of zero bytes, whose callback runs
 * then), and engine.io then flushes what queued meanwhile, as after its own writes. Only slow clients get here.
 */
function holdUntilWritten(conn: EngineConnLike, transport: TransportLike, ws: WsLike): void {
  transport.writable = false;
  ws._sender.sendFrame([NOTHING], (err) => {
    // A failed socket closes the WebSocket, and the engine socket with it; nothing to release.
    if (err || conn.transport !== transport || conn.readyState === "closed") return;
    transport.writable = true;
    transport.emit("ready");
  });
}

export interface DirectBroadcastStats {
  /** Broadcast frames written straight to a recipient's WebSocket. */
  direct: number;
  /** Broadcast frames (packets with a shared frame) that took engine.io's path: something was queued, polling... */
  fallback: number;
  /** Direct writes the kernel did not take at once: the connection waited for them (see holdUntilWritten). */
  held: number;
}

export interface DirectBroadcasts {
  /** Counts for this server, read by tests and benchmarks; plain numbers, bumped on the hot path. */
  readonly stats: DirectBroadcastStats;
  /** Whether the WebSocket internals this relies on were found (undefined until the first WebSocket). */
  readonly supported: boolean | undefined;
}

function hasWsInternals(ws: unknown): ws is WsLike {
  const w = ws as Partial<WsLike> | undefined;
  return (
    typeof w?.readyState === "number" &&
    typeof w.bufferedAmount === "number" &&
    typeof w._sender?.sendFrame === "function"
  );
}

/**
 * Installs the direct write on every connection of `io`, in every namespace, those to come included: one shared
 * function set as each connection's `writeToEngine` (no closure per connection).
 */
export function writeBroadcastsDirectly(io: AppServer): DirectBroadcasts {
  const stats: DirectBroadcastStats = { direct: 0, fallback: 0, held: 0 };
  let stock: WriteToEngine | undefined;
  let supported: boolean | undefined;

  const writeToEngine: WriteToEngine = function (encodedPackets, opts) {
    const frame = opts.wsPreEncodedFrame;
    // Not a broadcast's shared frame: an emit to one socket, an ack, binary. The stock path, uncounted.
    if (frame === undefined) return stock!.call(this, encodedPackets, opts);
    const conn = this.conn;
    const transport = conn.transport;
    // The adapter hands every recipient the same one-string array with the frame (socket.io-adapter's `_encode`).
    const data: unknown =
      Array.isArray(encodedPackets) && encodedPackets.length === 1 ? encodedPackets[0] : undefined;
    if (
      typeof data === "string" &&
      conn.readyState === "open" &&
      transport.writable &&
      conn.writeBuffer.length === 0 &&
      transport.name === "websocket" &&
      !transport.perMessageDeflate
    ) {
      const ws = transport.socket;
      if (supported === undefined) supported = hasWsInternals(ws);
      if (supported && ws!.readyState === WS_OPEN && ws!.bufferedAmount === 0) {
        // What engine.io's sendPacket does to the options and tells its observers, without the rest.
        opts.compress = opts.compress !== false;
        conn.emit("packetCreate", { type: "message", options: opts, data });
        ws!._sender.sendFrame(frame);
        stats.direct++;
        if (ws!.bufferedAmount !== 0) {
          stats.held++;
          holdUntilWritten(conn, transport, ws!);
        }
        return;
      }
    }
    stats.fallback++;
    return stock!.call(this, encodedPackets, opts);
  };

  const install = (nsp: Namespace) => {
    nsp.on("connection", (socket) => {
      const client = socket.client as unknown as ClientLike;
      if (client.writeToEngine === writeToEngine) return; // a second namespace on the same connection
      if (typeof client.writeToEngine !== "function") return; // another socket.io: leave it as it is
      stock ??= client.writeToEngine;
      // Every connection of this server has the same stock method (socket.io's Client prototype); one that does
      // not (patched by someone else) is left alone rather than have its writes rerouted.
      if (client.writeToEngine !== stock) return;
      client.writeToEngine = writeToEngine;
    });
  };
  install(io.of("/") as unknown as Namespace);
  io.on("new_namespace", (nsp) => install(nsp as unknown as Namespace));

  return {
    stats,
    get supported() {
      return supported;
    },
  };
}
