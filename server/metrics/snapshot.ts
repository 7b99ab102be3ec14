import { z } from "zod";
import { sparseHistogramSchema } from "./log-histogram";
import { userSketchSchema } from "./user-sketch";

const count = z.number().int().min(0);
const rate = z.number().finite().min(0);

/**
 * What each instance publishes about itself every second (and sooner when its connection count changes). It
 * crosses Redis, so readers validate it; a malformed one is dropped, never trusted.
 */
export const instanceSnapshotSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1).max(64),
  mode: z.enum(["embedded", "redis"]),
  state: z.enum(["live", "draining", "stopped"]),
  startedAt: z.number().finite(),
  /** Counts up within one run (`startedAt`), so a reader can drop duplicates and stale copies. */
  seq: z.number().int().min(0),
  /** Epoch ms when built, on this instance's clock. */
  at: z.number().finite(),
  /**
   * True once a second: `delivery` and `rtt` then hold the samples since the previous tick, and `rates` were
   * just measured. Early snapshots (a count changed) repeat the last rates and carry no samples.
   */
  tick: z.boolean(),
  connections: z.object({ websocket: count, polling: count }),
  users: count,
  userSketch: userSketchSchema,
  rates: z.object({
    eventsIn: rate,
    eventsOut: rate,
    bytesIn: rate,
    bytesOut: rate,
    connects: rate,
    disconnects: rate,
    rejections: rate,
    errorsWebsocket: rate,
    errorsPolling: rate,
  }),
  rejections: z.record(z.string().max(32), count),
  loop: z.object({ p50: rate, p99: rate, max: rate }),
  rssBytes: count,
  heapUsedBytes: count,
  cpuPercent: rate,
  delivery: sparseHistogramSchema,
  rtt: sparseHistogramSchema,
});

export type InstanceSnapshot = z.infer<typeof instanceSnapshotSchema>;
export type SnapshotRates = InstanceSnapshot["rates"];

export const RATE_KEYS = [
  "eventsIn",
  "eventsOut",
  "bytesIn",
  "bytesOut",
  "connects",
  "disconnects",
  "rejections",
  "errorsWebsocket",
  "errorsPolling",
] as const satisfies readonly (keyof SnapshotRates)[];

export const ZERO_RATES: SnapshotRates = {
  eventsIn: 0,
  eventsOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  connects: 0,
  disconnects: 0,
  rejections: 0,
  errorsWebsocket: 0,
  errorsPolling: 0,
};

/** Largest serialized snapshot a reader accepts (a full HLL sketch and two full histograms fit well below). */
export const MAX_SNAPSHOT_BYTES = 64 * 1024;

export function parseSnapshot(json: string): InstanceSnapshot | undefined {
  if (json.length > MAX_SNAPSHOT_BYTES) return undefined;
  try {
    const parsed = instanceSnapshotSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
