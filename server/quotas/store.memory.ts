import type { QuotaOutcome, QuotaStore } from "./store";

/** Above this many windows, expired ones are dropped on the next step, so idle keys do not pile up. */
const SWEEP_ABOVE = 10_000;

/** Embedded mode: counters in this process. They restart at zero with it. */
export class MemoryQuotaStore implements QuotaStore {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly leases = new Map<string, Map<string, { amount: number; expiresAt: number }>>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, amount: number, limit: number, windowMs: number): Promise<QuotaOutcome> {
    const now = this.now();
    if (this.windows.size > SWEEP_ABOVE) {
      for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    }
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    const retryAfterMs = w.resetAt - now;
    if (w.count + amount > limit) return { ok: false, used: w.count, retryAfterMs };
    w.count += amount;
    return { ok: true, used: w.count, retryAfterMs };
  }

  private live(key: string): Map<string, { amount: number; expiresAt: number }> | undefined {
    const leases = this.leases.get(key);
    if (!leases) return undefined;
    const now = this.now();
    for (const [id, l] of leases) if (l.expiresAt <= now) leases.delete(id);
    if (leases.size === 0) {
      this.leases.delete(key);
      return undefined;
    }
    return leases;
  }

  async reserve(
    key: string,
    id: string,
    amount: number,
    limit: number,
    ttlMs: number,
  ): Promise<QuotaOutcome> {
    const leases = this.live(key);
    let used = 0;
    for (const [other, l] of leases ?? []) if (other !== id) used += l.amount;
    if (used + amount > limit) return { ok: false, used };
    let map = leases;
    if (!map) this.leases.set(key, (map = new Map()));
    map.set(id, { amount, expiresAt: this.now() + ttlMs });
    return { ok: true, used: used + amount };
  }

  async release(key: string, id: string): Promise<void> {
    const leases = this.leases.get(key);
    leases?.delete(id);
    if (leases?.size === 0) this.leases.delete(key);
  }

  async usage(key: string): Promise<number> {
    let used = 0;
    for (const l of this.live(key)?.values() ?? []) used += l.amount;
    return used;
  }
}
