import type { ErrorBody } from "@/lib/protocol/errors";
import type { EventHooks } from "./event-router";
import type { AppSocket } from "./types";

export interface RateLimitOptions {
  /** Sustained events per second per socket. */
  ratePerSecond: number;
  /** Events a socket may send at once before the rate applies. */
  burst: number;
  /** Refused events within `strikeWindowMs` after which the socket is disconnected. */
  disconnectAfter: number;
  strikeWindowMs?: number;
  /** Events with their own throttling (volatile cursor moves) are not counted. */
  exempt?: ReadonlySet<string>;
  onLimited?: (socket: AppSocket, event: string) => void;
  onDisconnect?: (socket: AppSocket) => void;
}

interface Bucket {
  tokens: number;
  at: number;
  strikes: number;
  windowStart: number;
}

/**
 * A token bucket per socket. Over the limit an event gets RATE_LIMITED; a client that keeps flooding is told why
 * and disconnected, so one abusive client cannot degrade the others.
 */
export function rateLimitHooks(opts: RateLimitOptions): EventHooks {
  const buckets = new WeakMap<AppSocket, Bucket>();
  const window = opts.strikeWindowMs ?? 10_000;
  const refused: ErrorBody = { code: "RATE_LIMITED", message: "too many events; slow down" };
  return {
    before(socket, event) {
      if (opts.exempt?.has(event)) return undefined;
      const now = performance.now();
      let b = buckets.get(socket);
      if (!b) buckets.set(socket, (b = { tokens: opts.burst, at: now, strikes: 0, windowStart: now }));
      b.tokens = Math.min(opts.burst, b.tokens + ((now - b.at) / 1000) * opts.ratePerSecond);
      b.at = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return undefined;
      }
      if (now - b.windowStart > window) {
        b.windowStart = now;
        b.strikes = 0;
      }
      b.strikes++;
      opts.onLimited?.(socket, event);
      if (b.strikes === opts.disconnectAfter) {
        opts.onDisconnect?.(socket);
        socket.emit("system:notice", {
          kind: "info",
          message: "Disconnected for sending too many events.",
          at: Date.now(),
        });
        socket.disconnect(true);
      }
      return refused;
    },
  };
}
