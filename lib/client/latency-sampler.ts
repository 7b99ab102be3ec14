import type { Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/events";
import { MAX_REPORT_RTTS, MAX_REPORT_SAMPLES, MAX_SAMPLE_MS } from "../protocol/metrics";
import { ClockOffsetEstimator } from "./clock-offset";

type SamplerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Anything with `onAny`, e.g. another namespace's socket on the same connection. */
export interface Watchable {
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  offAny(listener: (event: string, ...args: unknown[]) => void): unknown;
}

export interface LatencySamplerOptions {
  /** Steady ping interval, after `warmupPings` quick ones at each connect. */
  pingEveryMs?: number;
  warmupPings?: number;
  warmupGapMs?: number;
  reportEveryMs?: number;
  maxSamples?: number;
  /** Client wall clock. */
  now?: () => number;
  /** Monotonic clock for round trips. */
  perfNow?: () => number;
  random?: () => number;
}

export interface LatencyStats {
  /** serverClock - clientClock, from the best recent ping; undefined before the first one. */
  offsetMs?: number;
  /** The best sample's error bound (half its round trip plus the clocks' tick): the most the offset can be off by. */
  errorBoundMs?: number;
  lastRttMs?: number;
  reported: number;
}

/**
 * Measures end-to-end delivery latency for the server: every incoming push whose payload carries the server's
 * commit time `at` becomes a sample `receivedAt + offset - at`, where the clock offset comes from `system:ping`
 * (see `ClockOffsetEstimator`). Samples and ping round trips are sent in batches with `metrics:report`.
 *
 * Cheap on busy sockets: a push costs a property read and, at most, a slot in a fixed-size uniform sample
 * (reservoir sampling), so a client reports at most `maxSamples` per interval however much it receives.
 */
export class LatencySampler {
  readonly clock = new ClockOffsetEstimator();
  private readonly opts: Required<LatencySamplerOptions>;
  /** Pairs of [at, receivedAt] not yet turned into latencies (the offset may improve before the report). */
  private readonly pending: [number, number][] = [];
  private seen = 0;
  /** Latencies computed already, e.g. when a disconnect invalidated the offset. */
  private ready: number[] = [];
  private rtts: number[] = [];
  private timers: ReturnType<typeof setTimeout>[] = [];
  private lastRttMs?: number;
  private reported = 0;
  private running = false;

  constructor(
    private readonly socket: SamplerSocket,
    opts: LatencySamplerOptions = {},
  ) {
    this.opts = {
      pingEveryMs: opts.pingEveryMs ?? 10_000,
      warmupPings: opts.warmupPings ?? 3,
      warmupGapMs: opts.warmupGapMs ?? 300,
      reportEveryMs: opts.reportEveryMs ?? 5_000,
      maxSamples: Math.min(opts.maxSamples ?? 200, MAX_REPORT_SAMPLES),
      now: opts.now ?? (() => Date.now()),
      perfNow: opts.perfNow ?? (() => performance.now()),
      random: opts.random ?? Math.random,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.socket.on("connect", this.onConnect);
    this.socket.on("disconnect", this.onDisconnect);
    this.socket.onAny(this.onAny);
    if (this.socket.connected) this.onConnect();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.socket.off("connect", this.onConnect);
    this.socket.off("disconnect", this.onDisconnect);
    this.socket.offAny(this.onAny);
    this.clearTimers();
  }

  /** Also measure pushes arriving on another socket of the same connection (e.g. the `/admin` namespace). */
  watch(other: Watchable): () => void {
    other.onAny(this.onAny);
    return () => other.offAny(this.onAny);
  }

  /** Records one delivery of a push stamped `at` by the server. */
  observe(at: number, receivedAt = this.opts.now()): void {
    if (!Number.isFinite(at)) return;
    this.seen++;
    if (this.pending.length < this.opts.maxSamples) {
      this.pending.push([at, receivedAt]);
      return;
    }
    const j = Math.floor(this.opts.random() * this.seen);
    if (j < this.opts.maxSamples) this.pending[j] = [at, receivedAt];
  }

  stats(): LatencyStats {
    const best = this.clock.best(this.opts.now());
    return {
      offsetMs: best?.offsetMs,
      errorBoundMs: best?.errorMs,
      lastRttMs: this.lastRttMs,
      reported: this.reported,
    };
  }

  /** Sends what has been measured so far, now; resolves when the server acknowledged it. */
  async flush(): Promise<void> {
    this.settle();
    if ((this.ready.length === 0 && this.rtts.length === 0) || !this.socket.connected) return;
    const samples = this.ready.slice(0, MAX_REPORT_SAMPLES);
    const rtt = this.rtts.slice(-MAX_REPORT_RTTS);
    this.ready = [];
    this.rtts = [];
    try {
      const res = await this.socket.timeout(10_000).emitWithAck("metrics:report", { samples, rtt });
      if (res.ok) this.reported += samples.length + rtt.length;
    } catch {
      // Timed out or disconnected: these samples are lost, which only thins the sample.
    }
  }

  /** Turns pending deliveries into latencies with the best offset we have; keeps them if there is none yet. */
  private settle(): void {
    const best = this.clock.best(this.opts.now());
    if (!best || this.pending.length === 0) return;
    for (const [at, receivedAt] of this.pending) {
      // Within the error bound a fast delivery can come out slightly negative; it was at least instant.
      const ms = Math.min(MAX_SAMPLE_MS, Math.max(0, receivedAt + best.offsetMs - at));
      this.ready.push(Math.round(ms * 100) / 100);
    }
    this.pending.length = 0;
    this.seen = 0;
    if (this.ready.length > this.opts.maxSamples) this.ready = this.ready.slice(-this.opts.maxSamples);
  }

  private readonly onAny = (_event: string, ...args: unknown[]): void => {
    const payload = args[0] as { at?: unknown; entry?: { at?: unknown } } | null;
    if (typeof payload !== "object" || payload === null) return;
    // Pushes carry the commit time at the top (`at`) or, for board ops, in the committed entry.
    const at = typeof payload.at === "number" ? payload.at : payload.entry?.at;
    if (typeof at === "number") this.observe(at);
  };

  private readonly onConnect = (): void => {
    this.clearTimers();
    this.clock.reset();
    const { warmupPings, warmupGapMs, pingEveryMs, reportEveryMs } = this.opts;
    for (let i = 0; i < warmupPings; i++) this.later(() => this.ping(), i * warmupGapMs);
    this.every(() => this.ping(), pingEveryMs);
    this.every(() => void this.flush(), reportEveryMs);
  };

  private readonly onDisconnect = (): void => {
    // The next connection may reach another instance with another clock: settle with this one's offset first.
    this.settle();
    this.pending.length = 0;
    this.seen = 0;
    this.clock.reset();
    this.clearTimers();
  };

  private ping(): void {
    if (!this.socket.connected) return;
    // The round trip must span the reading of t0 (see ClockOffsetEstimator): start timing first.
    const started = this.opts.perfNow();
    const t0 = this.opts.now();
    this.socket.timeout(10_000).emit("system:ping", { t: t0 }, (err, res) => {
      if (err || !res.ok) return;
      const rtt = this.opts.perfNow() - started;
      this.lastRttMs = rtt;
      this.clock.add(t0, res.serverTime, rtt, this.opts.now());
      if (rtt <= MAX_SAMPLE_MS) {
        this.rtts.push(Math.round(rtt * 100) / 100);
        if (this.rtts.length > MAX_REPORT_RTTS) this.rtts.shift();
      }
    });
  }

  private later(fn: () => void, ms: number): void {
    this.timers.push(setTimeout(fn, ms));
  }

  private every(fn: () => void, ms: number): void {
    this.timers.push(setInterval(fn, ms));
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }
}
