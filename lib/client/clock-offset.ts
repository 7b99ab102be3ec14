/**
 * Estimates `serverClock - clientClock` from ping round trips, the way NTP does: for a ping sent at client time
 * t0 whose reply carries `serverTime` and arrives after `rtt`, the server read its clock about rtt/2 after t0, so
 * offset = serverTime - (t0 + rtt/2). The error is at most rtt/2 (all of the asymmetry on one leg), so among
 * recent samples the one with the smallest round trip is the most trustworthy; queueing delay only ever adds.
 *
 * Two conditions make that bound hold, and the caller must meet the first:
 * - The round trip must span the reading of t0 as well as the server's reading: start the monotonic timer BEFORE
 *   reading the wall clock for t0. Started after, any pause between the two reads (a preempted thread, a GC) is
 *   missing from rtt but not from serverTime - t0, and the sample with the smallest rtt, the one chosen, is the
 *   one most likely to be short by such a pause.
 * - Both wall clocks tick in whole milliseconds (`Date.now()`): t0 and serverTime are each floored, so the
 *   estimate can be off by up to one more tick. The bound adds `resolutionMs` for it.
 */
export interface OffsetSample {
  offsetMs: number;
  rttMs: number;
  /** The most `offsetMs` can be off by: rtt/2 plus the clocks' resolution. */
  errorMs: number;
  /** Client wall clock when the reply arrived. */
  at: number;
}

export interface ClockOffsetOptions {
  /** Samples kept; with one ping every 10 s, 12 is the last two minutes. */
  maxSamples?: number;
  /** Older samples are dropped: clocks drift, and the machine may have slept. */
  maxAgeMs?: number;
  /** Tick of the wall clocks read for t0 and serverTime (1 ms for `Date.now()`). */
  resolutionMs?: number;
}

export class ClockOffsetEstimator {
  private samples: OffsetSample[] = [];
  private readonly maxSamples: number;
  private readonly maxAgeMs: number;
  private readonly resolutionMs: number;

  constructor(opts: ClockOffsetOptions = {}) {
    this.maxSamples = opts.maxSamples ?? 12;
    this.maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
    this.resolutionMs = opts.resolutionMs ?? 1;
  }

  /**
   * `t0` and `t1`: client wall clock at send and receipt; `rttMs` measured on a monotonic clock started before
   * t0 was read and stopped after the reply arrived.
   */
  add(t0: number, serverTime: number, rttMs: number, t1 = t0 + rttMs): OffsetSample {
    const sample = {
      offsetMs: serverTime - (t0 + rttMs / 2),
      rttMs,
      errorMs: rttMs / 2 + this.resolutionMs,
      at: t1,
    };
    this.samples.push(sample);
    if (this.samples.length > this.maxSamples) this.samples.shift();
    return sample;
  }

  /** The sample with the smallest round trip (so error bound) among the recent ones; undefined before the first ping. */
  best(now: number): OffsetSample | undefined {
    this.samples = this.samples.filter((s) => now - s.at <= this.maxAgeMs);
    let best: OffsetSample | undefined;
    for (const s of this.samples) if (!best || s.rttMs < best.rttMs) best = s;
    return best;
  }

  /** After a reconnect the server (and its clock) may be another one. */
  reset(): void {
    this.samples = [];
  }
}
