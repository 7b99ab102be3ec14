import { z } from "zod";

/** Bucket i holds values in (BASE * GROWTH^(i-1), BASE * GROWTH^i]; bucket 0 holds everything up to BASE. */
const BASE_MS = 0.05;
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
/** 0.05 ms * 1.05^302 is about 125 s, beyond the largest sample a client may report. */
export const BUCKETS = 303;

/** `[bucket, count]` pairs of the non-empty buckets: what snapshots carry between instances. */
export const sparseHistogramSchema = z
  .array(
    z.tuple([
      z
        .number()
        .int()
        .min(0)
        .max(BUCKETS - 1),
      z.number().int().min(1),
    ]),
  )
  .max(BUCKETS);
export type SparseHistogram = z.infer<typeof sparseHistogramSchema>;

export function bucketOf(ms: number): number {
  if (!(ms > BASE_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / BASE_MS) / LOG_GROWTH - 1e-9));
}

/** The geometric middle of a bucket, so the reported value is within 2.5 % of any value in it. */
export function bucketValue(bucket: number): number {
  if (bucket === 0) return BASE_MS;
  return BASE_MS * GROWTH ** (bucket - 0.5);
}

/**
 * A fixed log-bucket latency histogram (±2.5 %), mergeable across instances and seconds, so that cluster
 * percentiles come from all samples rather than from averaging each instance's percentiles (which is wrong).
 */
export class LogHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;

  get count(): number {
    return this.total;
  }

  record(ms: number): void {
    this.counts[bucketOf(ms)]! += 1;
    this.total += 1;
  }

  merge(other: LogHistogram): void {
    if (other.total === 0) return;
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
  }

  addSparse(sparse: SparseHistogram): void {
    for (const [bucket, n] of sparse) {
      this.counts[bucket]! += n;
      this.total += n;
    }
  }

  toSparse(): SparseHistogram {
    const out: SparseHistogram = [];
    if (this.total === 0) return out;
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) out.push([i, this.counts[i]!]);
    return out;
  }

  /** The value at quantile `q` (0..1), or null when empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return bucketValue(i);
    }
    return bucketValue(BUCKETS - 1);
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
