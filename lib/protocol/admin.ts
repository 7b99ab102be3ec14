import type { AckFn } from "./ack";

/**
 * The `/admin` namespace: admins only. The server pushes `admin:update` about once a second (and sooner when a
 * count changes); the client asks for the history once with `admin:history`.
 */
export const ADMIN_NAMESPACE = "/admin";

/** `stopped`: shut down cleanly. `gone`: no heartbeat for a while, so it probably crashed. */
export type InstanceState = "live" | "draining" | "stopped" | "gone";

export interface TransportCounts {
  total: number;
  websocket: number;
  polling: number;
}

export interface InstanceRow {
  id: string;
  state: InstanceState;
  mode: "embedded" | "redis";
  startedAt: number;
  /** Epoch ms of its last snapshot, on that instance's clock. */
  lastHeartbeat: number;
  uptimeMs: number;
  connections: TransportCounts;
  users: number;
  eventsInPerSec: number;
  eventsOutPerSec: number;
  /** Event-loop delay p99 over the last second. */
  loopLagMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Percent of one core over the last second. */
  cpuPercent: number;
}

/**
 * One second of the whole cluster (live and draining instances). Rates are per second. Latency percentiles are
 * over a sliding window (`windowSeconds`) of samples merged from every instance, null when there were none.
 */
export interface ClusterPoint {
  /** Epoch ms on the clock of the instance that built the point. */
  t: number;
  instances: number;
  connections: number;
  websocket: number;
  polling: number;
  users: number;
  eventsIn: number;
  eventsOut: number;
  bytesIn: number;
  bytesOut: number;
  connects: number;
  disconnects: number;
  rejections: number;
  errorsWebsocket: number;
  errorsPolling: number;
  loopLagMs: number;
  deliveryP50: number | null;
  deliveryP95: number | null;
  deliveryP99: number | null;
  deliveryCount: number;
  rttP50: number | null;
  rttP99: number | null;
}

export interface AdminView {
  /** When the server built this; measured by the admin's latency sampler like any stamped push. */
  at: number;
  /** The cluster right now (not yet in the history). */
  current: ClusterPoint;
  instances: InstanceRow[];
  /** Refused handshakes by reason, summed over live instances since they started. */
  rejectionsByReason: Record<string, number>;
  /** Whether `users` is exact (few users) or a HyperLogLog estimate. */
  usersExact: boolean;
  /**
   * Redis as seen from the instance serving this view. While it is `down`, other instances' snapshots cannot
   * arrive, so they turn `gone` here even if they are fine.
   */
  redis: "up" | "down" | "disabled";
}

export interface AdminUpdate extends AdminView {
  /** Present once a second: the point just appended to the history. */
  appended?: ClusterPoint;
}

export interface AdminHistory extends AdminView {
  points: ClusterPoint[];
  historySeconds: number;
  windowSeconds: number;
}

export interface AdminServerToClientEvents {
  "admin:update": (update: AdminUpdate) => void;
}

export interface AdminClientToServerEvents {
  "admin:history": (payload: Record<string, never>, ack: AckFn<AdminHistory>) => void;
}
