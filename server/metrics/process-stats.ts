import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface ProcessSample {
  /** Event-loop delay over the interval, in ms. */
  loop: { p50: number; p99: number; max: number };
  rssBytes: number;
  heapUsedBytes: number;
  /** Percent of one core used by this process over the interval. */
  cpuPercent: number;
}

const NS_PER_MS = 1e6;
const RESOLUTION_MS = 10;

/** The histogram records the time between timer ticks, so an idle loop reads as the resolution itself. */
function lagMs(ns: number): number {
  return Math.max(0, ns / NS_PER_MS - RESOLUTION_MS);
}

/** Event-loop delay, memory and CPU, sampled once per tick; each sample covers the time since the last. */
export class ProcessStats {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private last: ProcessSample = {
    loop: { p50: 0, p99: 0, max: 0 },
    rssBytes: 0,
    heapUsedBytes: 0,
    cpuPercent: 0,
  };

  start(): void {
    this.delay.enable();
  }

  stop(): void {
    this.delay.disable();
  }

  /** The latest sample, without taking a new one. */
  get latest(): ProcessSample {
    return this.last;
  }

  sample(): ProcessSample {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastAt);
    const mem = process.memoryUsage();
    const seen = this.delay.count > 0;
    this.last = {
      loop: {
        p50: seen ? lagMs(this.delay.percentile(50)) : 0,
        p99: seen ? lagMs(this.delay.percentile(99)) : 0,
        max: seen ? lagMs(this.delay.max) : 0,
      },
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      cpuPercent: ((cpu.user + cpu.system) / 1_000 / elapsedMs) * 100,
    };
    this.delay.reset();
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    return this.last;
  }
}
