import type { Backends } from "../backends/types";
import { sendJson } from "../http/respond";
import type { Router } from "../http/router";
import type { Lifecycle } from "./lifecycle";

export interface HealthDeps {
  instanceId: string;
  mode: "embedded" | "redis";
  lifecycle: Lifecycle;
  backends: Pick<Backends, "health">;
}

/**
 * `/api/health` is readiness: can this instance take new work now? `/api/live` is liveness: is the process
 * responsive at all? Liveness never depends on Redis or the database, so an outage does not make Kubernetes restart every pod.
 */
export function registerHealthRoutes(router: Router, deps: HealthDeps): void {
  router.on("GET", "/api/health", async ({ res }) => {
    const { redis, database } = await deps.backends.health();
    const draining = deps.lifecycle.draining;
    const ready = !draining && redis !== "down" && database !== "down";
    sendJson(res, ready ? 200 : 503, {
      status: draining ? "draining" : ready ? "ok" : "unavailable",
      instanceId: deps.instanceId,
      mode: deps.mode,
      redis,
      database,
      uptimeSeconds: Math.round((Date.now() - deps.lifecycle.startedAt) / 1000),
    });
  });
  router.on("GET", "/api/live", ({ res }) => {
    sendJson(res, 200, { status: "alive", instanceId: deps.instanceId });
  });
}
