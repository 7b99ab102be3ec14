import { isErrorCode } from "@/lib/protocol/errors";
import type { AppBus } from "../bus";
import type { EventRouter } from "../realtime/event-router";
import type { AppServer, AppSocket } from "../realtime/types";
import { hashUser } from "./user-sketch";

export type TransportName = "websocket" | "polling";
export const TRANSPORTS: readonly TransportName[] = ["websocket", "polling"];

/** Handshake refusals the panel always shows, even at zero. Others appear when they happen. */
export const REJECTION_REASONS = [
  "UNAUTHORIZED",
  "CONNECTION_LIMIT",
  "RATE_LIMITED",
  "FORBIDDEN",
  "DRAINING",
];

export type ErrorKind = "ack" | "transport";

/** Disconnect reasons that mean the connection failed rather than someone closing it. */
const FAILED_DISCONNECTS = new Set(["transport error", "parse error", "ping timeout"]);

function transportOf(name: string): TransportName {
  return name === "polling" ? "polling" : "websocket";
}

interface EnginePacket {
  type: string;
  data?: unknown;
}

const EVENT = 0x32; // "2": a Socket.IO EVENT packet
const BINARY_EVENT = 0x35; // "5"

/**
 * Plain numbers bumped on the hot path: no labels, no maps, no allocation per message. Prometheus and the
 * snapshots read them when they are asked, once a second or per scrape.
 */
export class LiveCounters {
  readonly connections: Record<TransportName, number> = { websocket: 0, polling: 0 };
  connects = 0;
  disconnects = 0;
  eventsIn = 0;
  eventsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly rejections = new Map<string, number>(REJECTION_REASONS.map((r) => [r, 0]));
  readonly errors: Record<TransportName, Record<ErrorKind, number>> = {
    websocket: { ack: 0, transport: 0 },
    polling: { ack: 0, transport: 0 },
  };
  /** Local users with their socket count and a hash computed once, for the cross-instance user sketch. */
  readonly users = new Map<string, { sockets: number; hash: number }>();
  /** Slow sockets past OUTBOUND_BUFFER_MAX_BYTES: board ops dropped for a resync, or closed. */
  readonly slowConsumers = { dropped: 0, disconnected: 0 };

  /** Called after every connect and disconnect, so that counts can be published before the next tick. */
  onChange?: () => void;

  // A broadcast hands the same encoded string to every recipient in turn; measure it once.
  private lastOut: string | undefined;
  private lastOutBytes = 0;

  get connectionCount(): number {
    return this.connections.websocket + this.connections.polling;
  }

  get rejectionTotal(): number {
    let n = 0;
    for (const v of this.rejections.values()) n += v;
    return n;
  }

  errorTotal(transport: TransportName): number {
    return this.errors[transport].ack + this.errors[transport].transport;
  }

  /** Starts counting on `io` (the main namespace, after every feature's middleware), its engine, events and bus. */
  attach(io: AppServer, events: EventRouter, bus: AppBus): void {
    io.engine.on("connection", (conn: { on(event: string, fn: (p: EnginePacket) => void): void }) => {
      conn.on("packet", this.onPacketIn);
      conn.on("packetCreate", this.onPacketOut);
    });
    io.on("connection", (socket) => this.onConnection(socket));
    events.use({
      after: (socket, _event, outcome) => {
        this.eventsIn++;
        if (outcome !== "ok") this.errors[transportOf(socket.conn.transport.name)].ack++;
      },
    });
    bus.on("handshake:rejected", (code) => {
      const reason = isErrorCode(code) ? code : "OTHER";
      this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
    });
    bus.on("socket:slow", (_user, action) => this.slowConsumers[action]++);
  }

  private onConnection(socket: AppSocket): void {
    this.connects++;
    this.connections[transportOf(socket.conn.transport.name)]++;
    const name = socket.data.user.name;
    const user = this.users.get(name);
    if (user) user.sockets++;
    else this.users.set(name, { sockets: 1, hash: hashUser(name) });
    this.onChange?.();
    // Listeners shared by every socket, not closures made per connection: an idle connection costs less.
    if (socket.conn.transport.name === "polling") socket.conn.once("upgrade", this.onUpgrade);
    socket.on("disconnect", this.onDisconnect);
  }

  /** Engine.IO upgrades only from long-polling. */
  private readonly onUpgrade = () => {
    this.connections.polling--;
    this.connections.websocket++;
  };

  /** Called with the socket as `this`, as Socket.IO calls its listeners. */
  private readonly onDisconnect = ((counters: LiveCounters) =>
    function (this: AppSocket, reason: string) {
      counters.onSocketGone(this, reason);
    })(this);

  private onSocketGone(socket: AppSocket, reason: string): void {
    const transport = transportOf(socket.conn.transport.name);
    this.connections[transport]--;
    this.disconnects++;
    if (FAILED_DISCONNECTS.has(reason)) this.errors[transport].transport++;
    const name = socket.data.user.name;
    const u = this.users.get(name);
    if (u && --u.sockets <= 0) this.users.delete(name);
    this.onChange?.();
  }

  private readonly onPacketIn = (packet: EnginePacket): void => {
    if (packet.type !== "message") return;
    const data = packet.data;
    if (typeof data === "string") this.bytesIn += Buffer.byteLength(data);
    else if (data instanceof Uint8Array) this.bytesIn += data.byteLength;
  };

  private readonly onPacketOut = (packet: EnginePacket): void => {
    if (packet.type !== "message") return;
    const data = packet.data;
    if (typeof data === "string") {
      if (data !== this.lastOut) {
        this.lastOut = data;
        this.lastOutBytes = Buffer.byteLength(data);
      }
      this.bytesOut += this.lastOutBytes;
      const type = data.charCodeAt(0);
      if (type === EVENT || type === BINARY_EVENT) this.eventsOut++;
    } else if (data instanceof Uint8Array) {
      this.bytesOut += data.byteLength;
    }
  };
}
