/**
 * Sign-in attempts per address and name: a small token bucket (10 attempts, refilled one every 6 s). It slows
 * password guessing without locking out a user who mistypes a few times.
 */
export function createSignInThrottle(capacity = 10, refillMs = 6_000): (key: string) => boolean {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (key) => {
    const now = Date.now();
    if (buckets.size > 10_000) {
      for (const [k, b] of buckets) if (now - b.at > capacity * refillMs) buckets.delete(k);
    }
    const b = buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + (now - b.at) / refillMs);
    b.at = now;
    buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
}
