import type { ClientIpResolver } from "../http/client-ip";
import type { Logger } from "../logging/logger";
import { connectError } from "../realtime/connect-error";
import type { Middleware } from "../realtime/handshake";
import type { AppSocket } from "../realtime/types";
import type { RegistryAgent } from "./agent";
import type { LimitStore } from "./limits";
import { refOf, type ConnectionEntry, type ConnectionRegistry, type MemberRef } from "./types";

export interface AdmissionDeps {
  registry: ConnectionRegistry;
  limits: LimitStore;
  agent: RegistryAgent;
  isDraining(): boolean;
  logger: Logger;
  onReject(code: string): void;
  /** Closes the socket of a replaced entry, wherever it is. */
  closeReplaced(ref: MemberRef): void;
  /** Who the client is: the socket's peer, or what TRUSTED_PROXIES vouch for. */
  clientIps: ClientIpResolver;
}

function entryFor(socket: AppSocket, instanceId: string, clientIps: ClientIpResolver): ConnectionEntry {
  const { user, connectionId, clientId, connectedAt } = socket.data;
  const ua = socket.handshake.headers["user-agent"];
  return {
    connectionId,
    user: user.name,
    instanceId,
    ...(clientId ? { clientId } : {}),
    transport: socket.conn.transport.name,
    ip: clientIps.resolve(socket.handshake.address, socket.handshake.headers).slice(0, 64),
    userAgent: (typeof ua === "string" ? ua : "").slice(0, 512),
    via: user.via,
    connectedAt,
  };
}

/**
 * Admits a socket only while its user holds fewer connections than their limit across all instances. Runs after
 * authentication. The limit is read from the store at every admission, so a change applies at once everywhere.
 *
 * An admitted socket joins its own room (named by its id, which is its connection id) at once, rather than when
 * Socket.IO would at connect; leaving that room (disconnect, refusal by a later middleware, or a client that went
 * away during the handshake: Socket.IO cleans up the socket's rooms in every case) releases the slot. No room,
 * closure or record of its own per socket: an idle connection costs the registry one map entry here.
 */
export function admissionMiddleware(deps: AdmissionDeps): Middleware {
  const refuse = (next: (err?: Error) => void, err: Error) => {
    deps.onReject(err.message);
    next(err);
  };
  const draining = () => connectError("DRAINING", "this server is shutting down; reconnect to another one");

  return (socket, next) => {
    const entry = entryFor(socket, deps.agent.instanceId, deps.clientIps);
    void (async () => {
      if (deps.isDraining()) return refuse(next, draining());
      const limit = await deps.limits.limitFor(entry.user);
      const result = await deps.registry.admit(entry, limit);
      if (!result.ok) {
        return refuse(
          next,
          connectError(
            "CONNECTION_LIMIT",
            `you are connected in ${result.active} ${result.active === 1 ? "place" : "places"}; the limit is ${result.limit}`,
            { limit: result.limit, active: result.active },
          ),
        );
      }
      if (deps.isDraining()) {
        // Admitted while the shutdown began: the drain has already closed the sockets it knew of.
        await deps.registry.release(refOf(entry)).catch(() => undefined);
        return refuse(next, draining());
      }
      deps.agent.track(socket);
      void socket.join(socket.id);
      // Polling upgrades to WebSocket on the same socket: one entry, new transport. A WebSocket stays one.
      if (entry.transport === "polling") {
        const ref = refOf(entry);
        socket.conn.once("upgrade", (transport: { name: string }) => {
          deps.registry
            .updateTransport(ref, transport.name)
            .catch((err: unknown) => deps.logger.debug({ err }, "recording the transport upgrade failed"));
        });
      }
      if (result.replaced) deps.closeReplaced(result.replaced);
      next();
    })().catch((err: unknown) => {
      deps.logger.warn({ err }, "connection registry unavailable; refusing the socket");
      // The admission may have landed with only its reply lost; if this fails too, the entry lapses unrenewed.
      deps.registry.release(refOf(entry)).catch(() => undefined);
      refuse(next, connectError("UNAVAILABLE", "the connection registry is unreachable; retry shortly"));
    });
  };
}
