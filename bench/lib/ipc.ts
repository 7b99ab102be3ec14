import type { SparseHistogram } from "../../server/metrics/log-histogram";

/** Which server a load generator talks to: the two references or Pulseboard itself. */
export type ServerKind = "ws" | "socketio" | "pulseboard";

export interface ViewerSpec {
  kind: ServerKind;
  /** Viewer i connects to urls[i % urls.length]: viewers split over instances. */
  urls: string[];
  count: number;
  /** Pulseboard only: one API token per viewer user, used round robin, and the board to join. */
  tokens?: string[];
  boardId?: string;
  /** Connections in flight at once, per load generator. */
  concurrency: number;
}

export interface PublishSpec {
  kind: ServerKind;
  url: string;
  token?: string;
  boardId: string;
  widgetId: string;
  /** The board's revision before the first op; ops get the following revisions in order. */
  startRev: number;
  ratePerSec: number;
  durationMs: number;
}

export type Command =
  | { type: "connect"; spec: ViewerSpec }
  | { type: "measure" }
  | { type: "report" }
  | { type: "close" }
  | { type: "publish"; spec: PublishSpec };

export interface ConnectResult {
  type: "connected";
  connected: number;
  failed: number;
  firstError?: string;
  ms: number;
}

export interface ViewReport {
  type: "report";
  latency: SparseHistogram;
  received: number;
  /** Deliveries whose revision was not the one after the previous (reordered or repeated). */
  outOfOrder: number;
  /** Delivered revisions at or beyond the end of the window are not expected: `lastRev` says where it ended. */
  maxRev: number;
}

export interface PublishReport {
  type: "published";
  sent: number;
  acked: number;
  failed: number;
  firstError?: string;
  firstRev: number;
  lastRev: number;
  /** How far behind schedule the publisher fell at worst: a publisher that cannot keep its rate says so. */
  maxLagMs: number;
}

export type Reply = ConnectResult | ViewReport | PublishReport | { type: "closed" } | { type: "measuring" };

/** What every server broadcasts: a committed board op. The references relay it as the publisher built it. */
export interface OpMessage {
  boardId: string;
  entry: {
    rev: number;
    opId: string;
    op: { type: "kpi.value"; widgetId: string; value: number; baseRev: number };
    by: string;
    at: number;
  };
}

/** Milliseconds on a clock that all processes on this machine share, with sub-millisecond resolution. */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}
