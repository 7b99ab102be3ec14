/**
 * Estimates `serverClock - clientClock` from ping round trips, the way NTP does: for a ping sent at client time
 * t0 whose reply carries `serverTime` and arrives after `rtt`, the server read its clock about rtt/2 after t0, so
 * offset = serverTime - (t0 + rtt/2). The error is at most rtt/2 (all of the asymmetry on one leg), so among
 * recent samples the one with the smallest round trip is the most trustworthy; queueing delay only ever adds.
 */
export interface OffsetSample {
  offsetMs: number;
  rttMs: number;
  /** Client wall clock when the reply arrived. */
  at: number;
}

export interface ClockOffsetOptions {
  /** Samples kept; with one ping every 10 s, 12 is the last two minutes. */
  maxSamples?: number;
  /** Older samples are dropped: clocks drift, and the machine may have slept. */
  maxAgeMs?: number;
}

export class ClockOffsetEstimator {
  private samples: OffsetSample[] = [];
  private readonly maxSamples: number;
  private readonly maxAgeMs: number;

  constructor(opts: ClockOffsetOptions = {}) {
    this.maxSamples = opts.maxSamples ?? 12;
    this.maxAgeMs = opts.maxAgeMs ?? 5 * 60_000;
  }

  /** `t0` and `t1`: client wall clock at send and receipt, `rttMs` measured on a monotonic clock. */
  add(t0: number, serverTime: number, rttMs: number, t1 = t0 + rttMs): OffsetSample {
    const sample = { offsetMs: serverTime - (t0 + rttMs / 2), rttMs, at: t1 };
    this.samples.push(sample);
    if (this.samples.length > this.maxSamples) this.samples.shift();
    return sample;
  }

  /** The sample with the smallest round trip among the recent ones, or undefined before the first ping. */
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
