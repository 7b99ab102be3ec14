/** The outcome of a counted step: whether it was admitted, and the usage it saw (including itself when admitted). */
export interface QuotaOutcome {
  ok: boolean;
  used: number;
  /** For windows: how long until the window starts again. */
  retryAfterMs?: number;
}

/**
 * Per-user counters, shared by every instance in Redis mode. Each step checks and counts in one atomic operation,
 * so N instances admitting at once never go past a limit. Passes `store.contract.test.ts`.
 */
export interface QuotaStore {
  /**
   * A fixed window: adds `amount` to `key`'s count unless that would exceed `limit`. The window starts with the
   * first counted step and lasts `windowMs`. Refused steps are not counted.
   */
  hit(key: string, amount: number, limit: number, windowMs: number): Promise<QuotaOutcome>;
  /**
   * A sum of leases: adds lease `id` of `amount` under `key` unless the live leases (other than `id`) plus
   * `amount` exceed `limit`. A lease ends when released or after `ttlMs`, so an instance that dies mid-way
   * leaks nothing for long. Reserving an existing id replaces it.
   */
  reserve(key: string, id: string, amount: number, limit: number, ttlMs: number): Promise<QuotaOutcome>;
  release(key: string, id: string): Promise<void>;
  /** The sum of `key`'s live leases. */
  usage(key: string): Promise<number>;
}
