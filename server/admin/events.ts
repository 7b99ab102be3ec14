import { adminClientEvents, type AdminEventName, type AdminEventSpecs } from "@/lib/protocol/admin";
import type { Authenticator } from "../auth/authenticator";
import type { Logger } from "../logging/logger";
import { EventRouter, type EventHandlers, type EventHooks } from "../realtime/event-router";
import type { AdminSocket } from "./namespace";

export type AdminHandlers = EventHandlers<AdminEventSpecs, AdminSocket>;
export type AdminEventRouter = EventRouter<AdminEventSpecs, AdminSocket>;

export interface AdminEventDeps {
  authenticator: Authenticator;
  logger: Logger;
  /**
   * Events answered on the handshake's check alone. `admin:history` is what the panel needs during a Redis
   * outage, when the user store cannot be asked; everything else needs Redis anyway.
   */
  trustHandshake?: ReadonlySet<AdminEventName>;
}

/**
 * Checks, at every event, that the caller is still an admin: the credential the handshake accepted must still be
 * valid and not revoked, and the user store must still say `admin` (read through the authenticator's cache of at
 * most AUTH_RECHECK_MS). The page is never trusted to have hidden a button. A caller who lost the right is
 * answered, then disconnected: the ack is written before the close, so the client learns why.
 */
export function adminRecheckHooks(deps: AdminEventDeps): EventHooks<AdminSocket> {
  const trusted = new Set<string>(deps.trustHandshake);
  const revoked = new WeakSet<AdminSocket>();
  return {
    async before(socket, event) {
      if (trusted.has(event)) return undefined;
      const check = await deps.authenticator.recheck(socket.data.user);
      if (check.ok && check.principal.role === "admin") return undefined;
      revoked.add(socket);
      if (check.ok) return { code: "FORBIDDEN", message: "you are no longer an admin" };
      return {
        code: "UNAUTHORIZED",
        message: check.reason === "expired" ? "your session has expired" : "your credential was revoked",
      };
    },
    after(socket) {
      if (revoked.has(socket)) socket.disconnect(true);
    },
  };
}

/**
 * The `/admin` events, through the same router as the main namespace: payloads are validated with the protocol's
 * zod schemas, the admin role is checked again, and every event gets exactly one `{ ok, ... }` ack. Every admin
 * event is a request: one sent without an ack has nobody to answer and is dropped.
 */
export function createAdminEventRouter(handlers: AdminHandlers, deps: AdminEventDeps): AdminEventRouter {
  return new EventRouter<AdminEventSpecs, AdminSocket>(deps.logger, adminClientEvents, { requireAck: true })
    .use(adminRecheckHooks(deps))
    .handleAll(handlers);
}
