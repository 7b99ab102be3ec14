/**
 * The server's commit time for a push that clients should measure: put it in the payload as `at` when the change
 * is committed (before the broadcast). Clients subtract it from their receipt time, corrected by the clock
 * offset they estimate from `system:ping`, whose `serverTime` reads this same clock. See docs/METRICS.md.
 */
export function serverStamp(): number {
  return Date.now();
}
