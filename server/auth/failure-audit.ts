/**
 * Bounds the audit entries of failed sign-ins: at most one per (account, address) per window, so that a flood of
 * wrong passwords or throttled attempts costs one database write per window rather than one per request. The
 * attempts left out are counted, and the next entry written for that pair carries the count (`suppressed`).
 * This process's memory, bounded in keys: in multi-instance mode each instance writes at most one entry per pair
 * and window.
 */
export class FailureAuditGate {
  private readonly pairs = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxPairs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Undefined when an entry for this pair was already written in the window (the attempt is counted); otherwise
   * how many attempts were left out since the last entry, for the entry about to be written.
   */
  admit(account: string, ip: string): { suppressed: number } | undefined {
    // The address first: it never contains "|", so the key is unambiguous whatever the account name is.
    const key = `${ip}|${account}`;
    const now = this.now();
    const seen = this.pairs.get(key);
    if (seen && now < seen.until) {
      seen.suppressed++;
      return undefined;
    }
    this.pairs.delete(key);
    this.pairs.set(key, { until: now + this.windowMs, suppressed: 0 });
    // Insertion order is the order of the windows' starts: the oldest go first.
    for (const [k, v] of this.pairs) {
      if (this.pairs.size <= this.maxPairs && v.until > now) break;
      this.pairs.delete(k);
    }
    return { suppressed: seen?.suppressed ?? 0 };
  }
}
