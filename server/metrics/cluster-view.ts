import type { AdminView, ClusterPoint, InstanceRow, InstanceState } from "@/lib/protocol/admin";
import { LogHistogram } from "./log-histogram";
import { RATE_KEYS, ZERO_RATES, type InstanceSnapshot } from "./snapshot";
import { countUsers } from "./user-sketch";

export interface ClusterViewOptions {
  /** Points kept for the charts: 900 one-second points is 15 minutes, about 200 KB. */
  historySeconds?: number;
  /** Latency percentiles cover the samples of this many seconds, so sparse reports still give a steady line. */
  windowSeconds?: number;
  /** An instance silent for this long is marked gone. */
  goneAfterMs?: number;
  /** Gone and stopped instances stay visible this long, then are dropped. */
  retainMs?: number;
}

interface Entry {
  snap: InstanceSnapshot;
  /** When we received it, on our clock (or its own `at` during a replay). */
  seenAt: number;
}

interface Window {
  delivery: LogHistogram;
  rtt: LogHistogram;
}

/**
 * The whole cluster as this instance sees it, from the snapshots every instance publishes: the latest snapshot
 * per instance, a sliding window of latency samples, and a bounded ring of one-second points for the charts.
 */
export class ClusterView {
  readonly historySeconds: number;
  readonly windowSeconds: number;
  private readonly goneAfterMs: number;
  private readonly retainMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly history: ClusterPoint[] = [];
  private pending: Window = { delivery: new LogHistogram(), rtt: new LogHistogram() };
  private readonly window: Window[] = [];

  constructor(opts: ClusterViewOptions = {}) {
    this.historySeconds = opts.historySeconds ?? 900;
    this.windowSeconds = opts.windowSeconds ?? 10;
    this.goneAfterMs = opts.goneAfterMs ?? 5_000;
    this.retainMs = opts.retainMs ?? 10 * 60_000;
  }

  /**
   * Takes in one snapshot. Returns true when it changes what an admin sees beyond the regular heartbeat: a new
   * instance, another state, or other connection or user counts (worth pushing before the next tick).
   */
  ingest(snap: InstanceSnapshot, seenAt: number): boolean {
    const prev = this.entries.get(snap.id);
    // A duplicate (our own snapshot, taken in directly and then read back from Redis) or a stale copy from the
    // same run must neither roll the row back nor count its samples twice.
    if (prev && prev.snap.startedAt === snap.startedAt && snap.seq <= prev.snap.seq) return false;
    if (snap.tick) {
      this.pending.delivery.addSparse(snap.delivery);
      this.pending.rtt.addSparse(snap.rtt);
    }
    const wasGone = prev !== undefined && this.stateOf(prev, seenAt) === "gone";
    this.entries.set(snap.id, { snap, seenAt });
    return (
      prev === undefined ||
      wasGone ||
      prev.snap.state !== snap.state ||
      prev.snap.startedAt !== snap.startedAt ||
      prev.snap.connections.websocket !== snap.connections.websocket ||
      prev.snap.connections.polling !== snap.connections.polling ||
      prev.snap.users !== snap.users
    );
  }

  /**
   * Rebuilds history from stored snapshots (oldest first), as if they had arrived live: a tick at every second
   * boundary they cross. Used once at startup, so that a new instance shows the last 15 minutes too.
   */
  replay(snaps: InstanceSnapshot[], now: number): void {
    if (snaps.length === 0) return;
    const sorted = [...snaps].sort((a, b) => a.at - b.at);
    let nextTick = Math.floor(sorted[0]!.at / 1_000) * 1_000 + 1_000;
    for (const snap of sorted) {
      // An instance whose clock runs ahead of ours must not put points in our future: live ticks would then
      // land before them and the history would go back in time.
      while (snap.at >= nextTick && nextTick <= now) {
        this.tick(nextTick);
        nextTick += 1_000;
      }
      this.ingest(snap, snap.at);
    }
  }

  /** Closes the current second: appends its point to the history and returns it. */
  tick(now: number): ClusterPoint {
    this.window.push(this.pending);
    this.pending = { delivery: new LogHistogram(), rtt: new LogHistogram() };
    while (this.window.length > this.windowSeconds) this.window.shift();
    this.prune(now);
    const point = this.point(now, false);
    // Strictly increasing even if our clock steps back, so that clients can append by time.
    const lastT = this.history[this.history.length - 1]?.t;
    if (lastT !== undefined && point.t <= lastT) point.t = lastT + 1;
    this.history.push(point);
    while (this.history.length > this.historySeconds) this.history.shift();
    return point;
  }

  points(): ClusterPoint[] {
    return [...this.history];
  }

  view(now: number): Omit<AdminView, "redis"> {
    const rejectionsByReason: Record<string, number> = {};
    for (const e of this.counted(now)) {
      for (const [reason, n] of Object.entries(e.snap.rejections)) {
        rejectionsByReason[reason] = (rejectionsByReason[reason] ?? 0) + n;
      }
    }
    const current = this.point(now, true);
    return {
      at: now,
      current,
      instances: this.instances(now),
      rejectionsByReason,
      usersExact: this.userCount(now).exact,
    };
  }

  instances(now: number): InstanceRow[] {
    return [...this.entries.values()]
      .map((e) => toRow(e, this.stateOf(e, now)))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  stateOf(e: Entry, now: number): InstanceState {
    if (e.snap.state === "stopped") return "stopped";
    if (now - e.seenAt > this.goneAfterMs) return "gone";
    return e.snap.state;
  }

  /** Instances whose numbers count towards totals: live or draining, not stopped or gone. */
  private counted(now: number): Entry[] {
    return [...this.entries.values()].filter((e) => {
      const s = this.stateOf(e, now);
      return s === "live" || s === "draining";
    });
  }

  private userCount(now: number) {
    return countUsers(this.counted(now).map((e) => e.snap.userSketch));
  }

  private point(now: number, includePending: boolean): ClusterPoint {
    const delivery = new LogHistogram();
    const rtt = new LogHistogram();
    for (const w of this.window) {
      delivery.merge(w.delivery);
      rtt.merge(w.rtt);
    }
    if (includePending) {
      delivery.merge(this.pending.delivery);
      rtt.merge(this.pending.rtt);
    }
    const p: ClusterPoint = {
      t: now,
      instances: 0,
      connections: 0,
      websocket: 0,
      polling: 0,
      users: this.userCount(now).users,
      ...ZERO_RATES,
      loopLagMs: 0,
      deliveryP50: round(delivery.quantile(0.5)),
      deliveryP95: round(delivery.quantile(0.95)),
      deliveryP99: round(delivery.quantile(0.99)),
      deliveryCount: delivery.count,
      rttP50: round(rtt.quantile(0.5)),
      rttP99: round(rtt.quantile(0.99)),
    };
    for (const { snap } of this.counted(now)) {
      const r = snap.rates;
      p.instances++;
      p.websocket += snap.connections.websocket;
      p.polling += snap.connections.polling;
      for (const k of RATE_KEYS) p[k] += r[k];
      p.loopLagMs = Math.max(p.loopLagMs, snap.loop.p99);
    }
    p.connections = p.websocket + p.polling;
    return p;
  }

  private prune(now: number): void {
    for (const [id, e] of this.entries) {
      const state = this.stateOf(e, now);
      if ((state === "gone" || state === "stopped") && now - e.seenAt > this.retainMs)
        this.entries.delete(id);
    }
  }
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 100) / 100;
}

function toRow({ snap }: Entry, state: InstanceState): InstanceRow {
  const gone = state === "gone" || state === "stopped";
  return {
    id: snap.id,
    state,
    mode: snap.mode,
    startedAt: snap.startedAt,
    lastHeartbeat: snap.at,
    uptimeMs: Math.max(0, snap.at - snap.startedAt),
    // A gone instance's last numbers are history, not current load.
    connections: gone
      ? { total: 0, websocket: 0, polling: 0 }
      : {
          total: snap.connections.websocket + snap.connections.polling,
          websocket: snap.connections.websocket,
          polling: snap.connections.polling,
        },
    users: gone ? 0 : snap.users,
    eventsInPerSec: gone ? 0 : snap.rates.eventsIn,
    eventsOutPerSec: gone ? 0 : snap.rates.eventsOut,
    loopLagMs: snap.loop.p99,
    rssBytes: snap.rssBytes,
    heapUsedBytes: snap.heapUsedBytes,
    cpuPercent: snap.cpuPercent,
  };
}
