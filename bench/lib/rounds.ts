/**
 * Figures from interleaved rounds: a ratio is taken within each round (both sides measured minutes apart at most,
 * under the same machine noise), then summarised as its median and its spread over the rounds.
 */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Rounds it was taken from. */
  n: number;
}

export function spread(values: number[]): Spread | undefined {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return undefined;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

/** The index of the median of `values` (the lower one of an even count): the round whose figures a table shows. */
export function medianIndex(values: number[]): number {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  return order[Math.floor((order.length - 1) / 2)]![1];
}

export type Verdict = "met" | "missed" | "inconclusive (spread too wide)";

/**
 * Met when every round meets the goal, missed when none does, inconclusive when the spread straddles it: then the
 * median alone would say whatever the noise of this run said.
 */
export function verdict(s: Spread, goal: { atMost: number } | { atLeast: number }): Verdict {
  const ok = (v: number) => ("atMost" in goal ? v <= goal.atMost : v >= goal.atLeast);
  if (ok(s.min) && ok(s.max)) return "met";
  if (!ok(s.min) && !ok(s.max)) return "missed";
  return "inconclusive (spread too wide)";
}
