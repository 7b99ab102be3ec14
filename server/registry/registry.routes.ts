import { z } from "zod";
import { AppError } from "@/lib/protocol/errors";
import type { Authenticator } from "../auth/authenticator";
import { userNameSchema } from "../auth/user-store";
import { sendJson } from "../http/respond";
import type { Router } from "../http/router";
import { requirePrincipal } from "./http-auth";
import type { ConnectionRegistry } from "./types";

const query = z.object({
  user: userNameSchema.optional(),
  instance: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,64}$/, { error: "not an instance id" })
    .optional(),
});

/**
 * `GET /api/admin/registry[?user=name|?instance=id]`: the registry as operators see it, across all instances:
 * the instances with their last heartbeat and connection count, the total, and the connections (filtered).
 */
export function registerRegistryRoutes(
  router: Router,
  deps: { authenticator: Authenticator; registry: ConnectionRegistry },
): void {
  router.on("GET", "/api/admin/registry", async ({ req, res, url }) => {
    const principal = await requirePrincipal(deps.authenticator, req, "inspect the connection registry");
    if (principal.role !== "admin") throw new AppError("FORBIDDEN", "only admins inspect the registry");
    const filter = query.parse(Object.fromEntries(url.searchParams));
    const [instances, all] = await Promise.all([deps.registry.instances(), deps.registry.all()]);
    const perInstance = new Map<string, number>();
    for (const e of all) perInstance.set(e.instanceId, (perInstance.get(e.instanceId) ?? 0) + 1);
    const connections = all.filter(
      (e) =>
        (filter.user === undefined || e.user === filter.user) &&
        (filter.instance === undefined || e.instanceId === filter.instance),
    );
    sendJson(res, 200, {
      ok: true,
      total: all.length,
      instances: instances
        .sort((x, y) => x.instanceId.localeCompare(y.instanceId))
        .map((i) => ({ ...i, connections: perInstance.get(i.instanceId) ?? 0 })),
      connections,
    });
  });
}
