import type { Namespace, Socket } from "socket.io";
import type { AdminClientToServerEvents, AdminServerToClientEvents } from "@/lib/protocol/admin";
import type { AppBus } from "../bus";
import type { Logger } from "../logging/logger";
import type { Authenticator } from "../auth/authenticator";
import { connectError } from "../realtime/connect-error";
import { handshakeMiddleware } from "../realtime/handshake";
import type { InterServerEvents, SocketData } from "../realtime/types";

export type AdminNamespace = Namespace<
  AdminClientToServerEvents,
  AdminServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type AdminSocket = Socket<
  AdminClientToServerEvents,
  AdminServerToClientEvents,
  InterServerEvents,
  SocketData
>;

export interface AdminGuardDeps {
  authenticator: Authenticator;
  allowedOrigins: string[];
  isDraining: () => boolean;
  logger: Logger;
  bus: AppBus;
}

/**
 * Whether a push may still go to this socket: its user's role as last read from the store (re-read by the
 * credential sweep every AUTH_RECHECK_MS) is admin. A socket that fails this is closed by the sweep shortly.
 */
export function mayReceiveAdminPush(authenticator: Authenticator, socket: AdminSocket): boolean {
  const role = authenticator.knownRole(socket.data.user.name);
  return role === "admin" || role === undefined;
}

/** Sends an admin push to this instance's `/admin` sockets whose user the store still says is an admin. */
export function pushToAdmins<E extends keyof AdminServerToClientEvents>(
  nsp: AdminNamespace,
  authenticator: Authenticator,
  event: E,
  ...args: Parameters<AdminServerToClientEvents[E]>
): void {
  for (const socket of nsp.sockets.values()) {
    if (!mayReceiveAdminPush(authenticator, socket)) continue;
    (socket.emit as (event: E, ...args: Parameters<AdminServerToClientEvents[E]>) => boolean)(event, ...args);
  }
}

/**
 * Who may open `/admin`: exactly the main handshake's checks (draining, origin, protocol, session cookie or API
 * token), then the admin role. Everyone else gets `connect_error` FORBIDDEN.
 */
export function guardAdminNamespace(nsp: AdminNamespace, deps: AdminGuardDeps): void {
  const authenticate = handshakeMiddleware({
    authenticator: deps.authenticator,
    allowedOrigins: deps.allowedOrigins,
    isDraining: deps.isDraining,
    logger: deps.logger,
    onReject: (code) => deps.bus.emit("handshake:rejected", code),
  }) as unknown as (socket: AdminSocket, next: (err?: Error) => void) => void;
  nsp.use(authenticate);
  nsp.use((socket, next) => {
    if (socket.data.user.role === "admin") return next();
    deps.bus.emit("handshake:rejected", "FORBIDDEN");
    next(connectError("FORBIDDEN", "the admin panel is for admins"));
  });
}
