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
