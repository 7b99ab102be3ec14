import type { IncomingMessage } from "node:http";
import type { Socket } from "socket.io";
import type { Principal } from "../auth/principal";
import type { ClientIpResolver } from "../http/client-ip";
import type { AuditActor } from "./audit-log";

/** Who acts on a socket, and from where: the address follows TRUSTED_PROXIES as everywhere else. */
export function socketActor(
  clientIps: ClientIpResolver,
  socket: Pick<Socket, "handshake" | "data">,
): AuditActor {
  const user = (socket.data as { user: Principal }).user;
  return {
    actor: user.name,
    ip: clientIps.resolve(socket.handshake.address, socket.handshake.headers),
    method: user.via,
  };
}

/** Who acts in an HTTP request. */
export function requestActor(
  clientIps: ClientIpResolver,
  req: IncomingMessage,
  principal: Principal,
): AuditActor {
  return { actor: principal.name, ip: clientIps.of(req), method: principal.via };
}
