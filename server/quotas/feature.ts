import { AppError } from "@/lib/protocol/errors";
import { requireService, type Feature } from "../features";
import { Quotas } from "./quotas";
import { MemoryQuotaStore } from "./store.memory";
import { RedisQuotaStore } from "./store.redis";

declare module "../features" {
  interface Services {
    quotas: Quotas;
  }
}

/** Probes must answer however busy an address is. */
const UNMETERED = new Set(["/api/health", "/api/live"]);

/**
 * Per-user quotas, set up before the features that check them. It meters the server's own HTTP routes per
 * address and per signed-in user here; the other quotas are checked by the features where the work is admitted.
 */
export const quotasFeature: Feature = {
  name: "quotas",
  setup(ctx) {
    const redis = ctx.backends.redis;
    const quotas = new Quotas({
      store: redis ? new RedisQuotaStore(redis.command, redis.keys) : new MemoryQuotaStore(),
      limits: ctx.config.quotas,
    });
    // Who the client is follows one rule everywhere (TRUSTED_PROXIES, see http/client-ip.ts).
    const clientIps = requireService(ctx, "clientIps");
    ctx.router.guardWith(async (req, path) => {
      if (UNMETERED.has(path)) return;
      try {
        const auth = await ctx.authenticator.fromHeaders(req.headers);
        await quotas.httpRequest(clientIps.of(req), auth.ok ? auth.principal.name : undefined);
      } catch (err) {
        if (err instanceof AppError) throw err;
        // Redis unreachable: the request goes unmetered rather than failing; the route answers for itself.
        ctx.logger.debug({ err }, "HTTP quota not checked");
      }
    });
    ctx.services.quotas = quotas;
  },
};
