import { z } from "zod";
import { AppError } from "@/lib/protocol/errors";
import type { SessionsResponse, SessionSummary } from "@/lib/protocol/sessions";
import type { Authenticator } from "../auth/authenticator";
import { sendJson } from "../http/respond";
import type { Router } from "../http/router";
import type { Logger } from "../logging/logger";
import { userRoom, type AppServer, type SocketData } from "../realtime/types";
import type { ConnectionCloser } from "./close";
import { requirePrincipal, requireSameOrigin } from "./http-auth";
import type { LimitStore } from "./limits";
import { refOf, type ConnectionRegistry } from "./types";
import { describeConnection } from "./user-agent";

export interface SessionRoutesDeps {
  authenticator: Authenticator;
  allowedOrigins: string[];
  registry: ConnectionRegistry;
  limits: LimitStore;
  closer: ConnectionCloser;
  io: AppServer;
  logger: Logger;
}

type Live = Pick<SessionSummary, "page" | "lastActiveAt" | "browserId">;

/**
 * What the user's live sockets, on every instance, say about themselves: the page each has open and its last
 * activity. Best effort: an instance that does not answer in time leaves its sessions without these details.
 */
async function liveDetails(deps: SessionRoutesDeps, user: string): Promise<Map<string, Live>> {
  const out = new Map<string, Live>();
  try {
    const sockets = await deps.io.in(userRoom(user)).timeout(2_000).fetchSockets();
    for (const s of sockets) {
      const data = s.data as Partial<SocketData> | undefined;
      if (!data?.connectionId) continue;
      const { place, lastActiveAt } = data;
      out.set(data.connectionId, {
        ...(place ? { page: { path: place.path, title: place.title }, browserId: place.browserId } : {}),
        ...(lastActiveAt ? { lastActiveAt } : {}),
      });
    }
  } catch (err) {
    deps.logger.warn({ err }, "could not read the details of live sessions");
  }
  return out;
}

const connectionIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "not a connection id" });

/**
 * The signed-in user's own connections on every instance, over HTTP: a tab refused with CONNECTION_LIMIT has no
 * socket, yet must be able to list the sessions and close one.
 */
export function registerSessionRoutes(router: Router, deps: SessionRoutesDeps): void {
  router.on("GET", "/api/sessions", async ({ req, res }) => {
    const principal = await requirePrincipal(deps.authenticator, req, "list your sessions");
    const [entries, limit, live] = await Promise.all([
      deps.registry.byUser(principal.name),
      deps.limits.limitFor(principal.name),
      liveDetails(deps, principal.name),
    ]);
    const body: SessionsResponse = {
      ok: true,
      limit,
      active: entries.length,
      sessions: entries.map((e) => ({ ...describeConnection(e), ...live.get(e.connectionId) })),
    };
    sendJson(res, 200, body);
  });

  router.on("DELETE", "/api/sessions/:connectionId", async ({ req, res, params }) => {
    const principal = await requirePrincipal(deps.authenticator, req, "close a session");
    requireSameOrigin(req, deps.allowedOrigins);
    const connectionId = connectionIdParam.parse(params.connectionId);
    // Looked up among the caller's own entries only: nobody can close another user's session.
    const entry = (await deps.registry.byUser(principal.name)).find((e) => e.connectionId === connectionId);
    if (!entry) throw new AppError("NOT_FOUND", "no such session; it may have closed already");
    // Released first, so that the caller can connect at once, before the socket's own instance has acted.
    await deps.registry.release(refOf(entry));
    deps.closer.close(refOf(entry), "session-closed");
    sendJson(res, 200, { ok: true, closed: connectionId });
  });
}
