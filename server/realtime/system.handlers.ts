import { PROTOCOL_VERSION } from "@/lib/protocol/version";
import type { EventRouter } from "./event-router";

export function registerSystemHandlers(router: EventRouter, deps: { instanceId: string }): void {
  router.handle("system:ping", ({ t }) => ({ t, serverTime: Date.now() }));
  router.handle("session:info", (_payload, { socket, user }) => ({
    user: { id: user.name, name: user.name, role: user.role },
    instanceId: deps.instanceId,
    connectionId: socket.data.connectionId,
    expiresAt: user.expiresAt,
    protocol: PROTOCOL_VERSION,
  }));
}
