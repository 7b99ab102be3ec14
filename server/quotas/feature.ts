import { AppError } from "@/lib/protocol/errors";
import { defineFeature } from "../features";
import { Quotas } from "./quotas";

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
export const quotasFeature = defineFeature({
  name: "quotas",
  setup(ctx) {
    const quotas = new Quotas({ store: ctx.stores.quotas, limits: ctx.config.quotas });
    const { clientIps } = ctx;
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
    return quotas;
  },
});
