import type { ClusterPoint } from "@/lib/protocol/admin";
import type { FeatureContext } from "../features";
import { settleWithin } from "../util/settle-within";
import { serverStamp } from "./clock";
import { ClusterView } from "./cluster-view";
import { LiveCounters } from "./live-counters";
import { LogHistogram } from "./log-histogram";
import { registerMetricsRoute } from "./metrics.routes";
import { ProcessStats } from "./process-stats";
import { createPrometheus } from "./prometheus";
import { registerReportHandler } from "./reports";
import { RATE_KEYS, ZERO_RATES, type InstanceSnapshot, type SnapshotRates } from "./snapshot";
import type { SnapshotTransport } from "./transport";
import { sketchOf } from "./user-sketch";

/** How long startup waits for the recent history of every instance before serving without it. */
const HISTORY_REPLAY_WAIT_MS = 3_000;

export interface MetricsOptions {
  tickMs?: number;
  /** How soon after a connect or disconnect the new counts are published (coalesced). */
  earlyPublishMs?: number;
  historySeconds?: number;
  goneAfterMs?: number;
}

/**
 * `snapshot`: an instance's counts or state changed (worth showing before the next tick). `tick`: a second
 * closed and `point` joined the history.
 */
export type ClusterChange = { kind: "snapshot" } | { kind: "tick"; point: ClusterPoint };

/** Running totals of what the rates are computed from, at a moment. */
type Totals = SnapshotRates & { at: number };

/**
 * Counts what this instance does, serves it to Prometheus, publishes a snapshot of it every second, and builds
 * the cluster-wide view (every instance's snapshots) that the admin panel shows.
 */
export class MetricsService {
  readonly counters = new LiveCounters();
  readonly cluster: ClusterView;
  private readonly processStats = new ProcessStats();
  private readonly listeners: ((change: ClusterChange) => void)[] = [];
  private readonly pending = { delivery: new LogHistogram(), rtt: new LogHistogram() };
  private rates: SnapshotRates = ZERO_RATES;
  private totals?: Totals;
  private transport?: SnapshotTransport;
  private tickTimer?: ReturnType<typeof setInterval>;
  private earlyTimer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private seq = 0;

  constructor(private readonly opts: MetricsOptions = {}) {
    this.cluster = new ClusterView({
      historySeconds: opts.historySeconds,
      goneAfterMs: opts.goneAfterMs,
    });
  }

  /** The commit time to put in a measured push's `at`; see `clock.ts`. */
  stamp(): number {
    return serverStamp();
  }

  onChange(listener: (change: ClusterChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  async start(ctx: FeatureContext): Promise<void> {
    const { config, backends, logger, lifecycle } = ctx;
    const prometheus = createPrometheus({
      counters: this.counters,
      process: this.processStats,
      instanceId: config.instanceId,
      mode: backends.mode,
      isDraining: () => lifecycle.draining,
    });
    registerMetricsRoute(ctx.router, { registry: prometheus.registry, token: config.metricsToken });
    registerReportHandler(ctx.events, {
      delivery: (ms) => {
        prometheus.observeDelivery(ms);
        this.pending.delivery.record(ms);
      },
      rtt: (ms) => {
        prometheus.observeRtt(ms);
        this.pending.rtt.record(ms);
      },
    });
    this.counters.attach(ctx.io, ctx.events, ctx.bus);
    this.counters.onChange = () => this.scheduleEarlyPublish(ctx);
    this.processStats.start();
    this.processStats.sample();

    const retentionMs = this.cluster.historySeconds * 1_000 + 60_000;
    this.transport = ctx.stores.snapshots(retentionMs);
    let replayed!: () => void;
    const history = new Promise<void>((resolve) => (replayed = resolve));
    this.transport.subscribe((batch, replay) => {
      if (replay) {
        this.cluster.replay(batch, Date.now());
        replayed();
        return this.emit({ kind: "snapshot" });
      }
      let changed = false;
      const now = Date.now();
      for (const snap of batch) changed = this.cluster.ingest(snap, now) || changed;
      if (changed) this.emit({ kind: "snapshot" });
    });

    this.totals = this.readTotals();
    this.tickTimer = setInterval(() => this.tick(ctx), this.opts.tickMs ?? 1_000);
    this.tickTimer.unref();
    // A panel opened on a new instance shows the last minutes at once, not empty charts that fill up slowly; a
    // slow Redis delays startup by a few seconds at most, after which the history arrives when it can.
    if (backends.mode === "redis") await settleWithin(history, HISTORY_REPLAY_WAIT_MS);
    // Publish at once, so that other instances (and the panel) see this one without waiting a second.
    this.publish(ctx, false);

    ctx.onShutdown(async () => {
      this.stopped = true;
      clearInterval(this.tickTimer);
      clearTimeout(this.earlyTimer);
      this.processStats.stop();
      try {
        // A clean exit says so, so that the panel shows "stopped" rather than "gone".
        await this.transport?.publish(this.snapshot(ctx, false, "stopped"));
      } catch (err) {
        logger.debug({ err }, "final metrics snapshot not published");
      }
      await this.transport?.close();
    });
  }

  private emit(change: ClusterChange): void {
    for (const l of this.listeners) l(change);
  }

  private tick(ctx: FeatureContext): void {
    if (this.stopped) return;
    this.processStats.sample();
    const now = this.readTotals();
    const prev = this.totals ?? now;
    const seconds = Math.max(0.001, (now.at - prev.at) / 1_000);
    const rates = { ...ZERO_RATES };
    for (const k of RATE_KEYS) rates[k] = Math.max(0, (now[k] - prev[k]) / seconds);
    this.rates = rates;
    this.totals = now;
    clearTimeout(this.earlyTimer);
    this.earlyTimer = undefined;
    this.publish(ctx, true);
    const point = this.cluster.tick(Date.now());
    this.emit({ kind: "tick", point });
  }

  private scheduleEarlyPublish(ctx: FeatureContext): void {
    if (this.earlyTimer || this.stopped) return;
    this.earlyTimer = setTimeout(() => {
      this.earlyTimer = undefined;
      this.publish(ctx, false);
    }, this.opts.earlyPublishMs ?? 100);
    this.earlyTimer.unref();
  }

  private publish(ctx: FeatureContext, tick: boolean): void {
    if (this.stopped || !this.transport) return;
    const snap = this.snapshot(ctx, tick);
    // Taken in directly as well: during a Redis outage this instance still sees itself (others then go "gone",
    // which is what it can tell). The copy read back from Redis is dropped as a duplicate.
    if (this.cluster.ingest(snap, Date.now())) this.emit({ kind: "snapshot" });
    this.transport.publish(snap).catch((err: unknown) => {
      ctx.logger.debug({ err: (err as Error).message }, "metrics snapshot not published");
    });
  }

  private snapshot(ctx: FeatureContext, tick: boolean, state?: "stopped"): InstanceSnapshot {
    const c = this.counters;
    const p = this.processStats.latest;
    const delivery = tick ? this.pending.delivery.toSparse() : [];
    const rtt = tick ? this.pending.rtt.toSparse() : [];
    if (tick) {
      this.pending.delivery.reset();
      this.pending.rtt.reset();
    }
    const hashes = (function* () {
      for (const u of c.users.values()) yield u.hash;
    })();
    return {
      v: 1,
      id: ctx.config.instanceId,
      mode: ctx.backends.mode,
      state: state ?? (ctx.lifecycle.draining ? "draining" : "live"),
      startedAt: ctx.lifecycle.startedAt,
      seq: this.seq++,
      at: serverStamp(),
      tick,
      connections: { websocket: c.connections.websocket, polling: c.connections.polling },
      users: c.users.size,
      userSketch: sketchOf(hashes, c.users.size),
      rates: this.rates,
      rejections: Object.fromEntries(c.rejections),
      loop: p.loop,
      rssBytes: p.rssBytes,
      heapUsedBytes: p.heapUsedBytes,
      cpuPercent: p.cpuPercent,
      delivery,
      rtt,
    };
  }

  private readTotals(): Totals {
    const c = this.counters;
    return {
      at: performance.now(),
      eventsIn: c.eventsIn,
      eventsOut: c.eventsOut,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      connects: c.connects,
      disconnects: c.disconnects,
      rejections: c.rejectionTotal,
      errorsWebsocket: c.errorTotal("websocket"),
      errorsPolling: c.errorTotal("polling"),
    };
  }
}
