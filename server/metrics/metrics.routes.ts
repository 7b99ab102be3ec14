import { createHash, timingSafeEqual } from "node:crypto";
import type { Registry } from "prom-client";
import type { Router } from "../http/router";
import { sendError } from "../http/respond";

/** Compares digests, so neither the length nor any prefix of the token leaks through timing. */
function sameToken(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * `GET /metrics`: this instance's Prometheus text. With `METRICS_TOKEN` set, scrapers must send
 * `Authorization: Bearer <token>`; without it the endpoint is open, as is usual behind a private network.
 */
export function registerMetricsRoute(router: Router, deps: { registry: Registry; token?: string }): void {
  router.on("GET", "/metrics", async ({ req, res }) => {
    if (deps.token) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
      if (!m || !sameToken(m[1]!, deps.token)) {
        res.setHeader("www-authenticate", 'Bearer realm="metrics"');
        return sendError(res, {
          code: "UNAUTHORIZED",
          message: m ? "the metrics token is not valid" : "send Authorization: Bearer <METRICS_TOKEN>",
        });
      }
    }
    const body = await deps.registry.metrics();
    res.writeHead(200, {
      "content-type": deps.registry.contentType,
      "cache-control": "no-store",
      "content-length": Buffer.byteLength(body),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
}
