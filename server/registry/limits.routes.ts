import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { AppError } from "@/lib/protocol/errors";
import type { LimitsResponse } from "@/lib/protocol/sessions";
import type { Authenticator } from "../auth/authenticator";
import { userNameSchema } from "../auth/user-store";
import { requestActor } from "../audit/actor";
import { readJson } from "../http/body";
import type { ClientIpResolver } from "../http/client-ip";
import { sendJson } from "../http/respond";
import type { Router } from "../http/router";
import type { Logger } from "../logging/logger";
import { requirePrincipal, requireSameOrigin } from "./http-auth";
import { limitSchema, type LimitStore } from "./limits";

export interface LimitRoutesDeps {
  authenticator: Authenticator;
  allowedOrigins: string[];
  limits: LimitStore;
  logger: Logger;
  clientIps: ClientIpResolver;
}

const limitBody = z.strictObject({ limit: limitSchema });

/**
 * `/api/admin/limits`: the global and per-user connection limits, changed at run time by an admin. The store is
 * read at every admission, so a change applies to the next connection on every instance.
 */
export function registerLimitRoutes(router: Router, deps: LimitRoutesDeps): void {
  const admin = async (req: IncomingMessage, mutating: boolean) => {
    const principal = await requirePrincipal(deps.authenticator, req, "manage connection limits");
    if (principal.role !== "admin") throw new AppError("FORBIDDEN", "only admins manage connection limits");
    if (mutating) requireSameOrigin(req, deps.allowedOrigins);
    return principal;
  };
  const respond = async (res: Parameters<typeof sendJson>[0]) => {
    const body: LimitsResponse = { ok: true, ...(await deps.limits.settings()) };
    sendJson(res, 200, body);
  };

  router.on("GET", "/api/admin/limits", async ({ req, res }) => {
    await admin(req, false);
    await respond(res);
  });

  router.on(["PUT", "DELETE"], "/api/admin/limits/default", async ({ req, res }) => {
    const by = await admin(req, true);
    const limit = req.method === "PUT" ? limitBody.parse(await readJson(req)).limit : null;
    await deps.limits.setDefault(limit, {
      ...requestActor(deps.clientIps, req, by),
      action: "limit.set",
      target: { kind: "limits", id: "default" },
      details: { limit },
    });
    deps.logger.info({ by: by.name, limit }, "default connection limit changed");
    await respond(res);
  });

  router.on(["PUT", "DELETE"], "/api/admin/limits/users/:name", async ({ req, res, params }) => {
    const by = await admin(req, true);
    const user = userNameSchema.parse(params.name);
    const limit = req.method === "PUT" ? limitBody.parse(await readJson(req)).limit : null;
    await deps.limits.setUser(user, limit, {
      ...requestActor(deps.clientIps, req, by),
      action: "limit.set",
      target: { kind: "user", id: user },
      details: { limit },
    });
    deps.logger.info({ by: by.name, user, limit }, "connection limit of a user changed");
    await respond(res);
  });
}
