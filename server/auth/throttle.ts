import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import type { Config } from "../config/config";
import type { Logger } from "../logging/logger";
import type { RedisClient } from "../redis/connection";

export type SignInOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterS: number };

/** next-auth passes an error thrown by `authorize` to the page as `?error=<message>`: this is that message. */
export const THROTTLED_PREFIX = "RATE_LIMITED:";
export function signInThrottledError(retryAfterS: number): Error {
  return new Error(`${THROTTLED_PREFIX}${retryAfterS}`);
}

export interface SignInThrottle {
  /**
   * Runs `verify` (the password check) unless this client address, or this account from this address, has failed
   * too often; a refused attempt never reaches `verify`. `verify` returns undefined for a wrong password.
   */
  attempt<T>(account: string, ip: string, verify: () => Promise<T | undefined>): Promise<SignInOutcome<T>>;
}

export interface SignInThrottleDeps {
  limits: Config["signIn"];
  /** Redis mode: counters shared by every instance. Without it, this process's memory. */
  redis?: RedisClient;
  keyPrefix: string;
  logger: Logger;
}

/**
 * Two limiters, after rate-limiter-flexible's "login endpoint protection" example:
 * - failed attempts per client address over a window, which bounds guessing from one address at any accounts;
 * - consecutive failures per (account, address), reset by a success, which stops guessing one password without
 *   letting anyone lock the account: the owner signing in from another address has a separate counter.
 * No limiter is keyed by the account alone, since that would hand lockouts to whoever knows a user name.
 * In Redis mode a memory limiter stands in while Redis is unreachable, so sign-in neither fails nor goes
 * unlimited during an outage.
 */
export function createSignInThrottle(deps: SignInThrottleDeps): SignInThrottle {
  const { limits } = deps;
  const make = (kind: string, points: number, durationS: number, blockS: number): RateLimiterAbstract => {
    const opts = {
      keyPrefix: `${deps.keyPrefix}:signin:${kind}`,
      points,
      duration: durationS,
      blockDuration: blockS,
    };
    if (!deps.redis) return new RateLimiterMemory(opts);
    return new RateLimiterRedis({
      ...opts,
      storeClient: deps.redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(opts),
    });
  };
  const byIp = make("ip", limits.maxFailsPerIp, limits.ipWindowS, limits.ipWindowS);
  // The consecutive count lives as long as a block would, so slow guessing still adds up.
  const byAccountIp = make(
    "account-ip",
    limits.maxConsecutiveFails,
    Math.max(limits.blockS, limits.ipWindowS),
    limits.blockS,
  );
  // The address first: it never contains "|", so the pair's key is unambiguous whatever the account name is.
  const pairKey = (account: string, ip: string) => `${ip}|${account}`;

  return {
    async attempt(account, ip, verify) {
      // Each attempt takes its point before the password is checked, atomically in the store, so a thousand
      // concurrent guesses get no more checks than a thousand sequential ones. A success gives the points back.
      const taken = await Promise.all([
        take(byIp, ip, deps.logger),
        take(byAccountIp, pairKey(account, ip), deps.logger),
      ]);
      const wait = Math.max(...taken);
      if (wait > 0) return { ok: false, reason: "throttled", retryAfterS: wait };

      const value = await verify();
      if (value === undefined) return { ok: false, reason: "invalid" };
      await Promise.all([byIp.reward(ip), byAccountIp.delete(pairKey(account, ip))]).catch((err: unknown) =>
        deps.logger.warn({ err }, "sign-in throttle store failed"),
      );
      return { ok: true, value };
    },
  };
}

/** 0 when the point was taken; otherwise the seconds until the key may try again. */
async function take(limiter: RateLimiterAbstract, key: string, logger: Logger): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (res) {
    if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    // The store failed and so did its stand-in (should not happen with a memory insurance): refuse briefly
    // rather than let guesses through unlimited.
    logger.error({ err: res }, "sign-in throttle store failed");
    return 5;
  }
}
