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
  /** The loopback address the connections leave from (127.0.0.x), so that many connections do not run out of ports. */
  localAddress?: string;
  /**
   * Pulseboard only: viewers that the `stall` command pauses (their TCP socket stops being read) and `resume`
   * resumes. They are counted apart from the readers, and catch up as the client does: `board:sync` on a gap or a
   * `board:resync`, a new connection and join when the server dropped them.
   */
  stalled?: boolean;
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
  /**
   * Pulseboard only: publish `note.text` ops of about this many bytes to `noteWidgetId` instead of KPI values, so
   * that a stalled viewer's backlog outgrows what the kernel holds for its connection (about 4 MB on loopback).
   */
  padBytes?: number;
  noteWidgetId?: string;
}

export type Command =
  | { type: "connect"; spec: ViewerSpec }
  /** Starts a window: counters reset, and deliveries of revisions below `fromRev` (stragglers) are ignored. */
  | { type: "measure"; fromRev: number }
  | { type: "report" }
  | { type: "close" }
  | { type: "publish"; spec: PublishSpec }
  | { type: "count" }
  | { type: "stall" }
  | { type: "resume" }
  | { type: "converge"; rev: number; deadlineMs: number };

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
  /** Ops delivered to readers: each entry of a `board:ops` batch counts as one. */
  received: number;
  /** Frames that carried them: a `board:op` or a whole `board:ops` batch counts once. */
  frames: number;
  /** Deliveries whose revision was not the one after the previous (reordered, repeated or skipped). */
  outOfOrder: number;
  /** Delivered revisions at or beyond the end of the window are not expected: `lastRev` says where it ended. */
  maxRev: number;
}

/** What stalled viewers count while catching up; summed over viewers, then over generators. */
export const CONVERGE_COUNTERS = ["receivedWhileStalled", "resyncs", "gaps", "syncs", "reconnects"] as const;
export type ConvergeCounters = Record<(typeof CONVERGE_COUNTERS)[number], number>;

export function sumCounters(items: ConvergeCounters[]): ConvergeCounters {
  const total = Object.fromEntries(CONVERGE_COUNTERS.map((k) => [k, 0])) as ConvergeCounters;
  for (const item of items) for (const k of CONVERGE_COUNTERS) total[k] += item[k];
  return total;
}

/** `receivedWhileStalled`: ops that reached a stalled viewer while it was paused (more than a few: the pause did not hold). */
export interface ConvergeReport extends ConvergeCounters {
  type: "converged";
  /** Stalled viewers in this generator, and how many reached the revision before the deadline. */
  total: number;
  converged: number;
  /** From `resume` to the last one reaching the revision (or to the deadline). */
  ms: number;
  firstError?: string;
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

export type Reply =
  | ConnectResult
  | ViewReport
  | PublishReport
  | ConvergeReport
  | { type: "closed" }
  /** Viewer connections still open in a generator. */
  | { type: "counted"; open: number }
  | { type: "measuring" }
  | { type: "stalled" }
  | { type: "resumed" };

/** A committed op as every server broadcasts it. The references relay it as the publisher built it. */
export interface OpEntry {
  rev: number;
  opId: string;
  /** The send time is the KPI's value, or the number a padded note's text starts with. */
  op:
    | { type: "kpi.value"; widgetId: string; value: number; baseRev: number }
    | { type: "note.text"; widgetId: string; text: string; baseRev: number };
  by: string;
  at: number;
}

/** `board:op`: one committed op. */
export interface OpMessage {
  boardId: string;
  entry: OpEntry;
}

/** `board:ops`: two or more committed ops of one board, ascending revisions, in commit order. */
export interface OpsMessage {
  boardId: string;
  entries: OpEntry[];
}

/** Milliseconds on a clock that all processes on this machine share, with sub-millisecond resolution. */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}
