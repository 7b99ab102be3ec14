import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/events";
import { PROTOCOL_VERSION } from "../protocol/version";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A tab's id survives reloads of that tab but not other tabs, so a reconnect is never counted as a new tab. */
export function tabClientId(): string {
  const key = "pulseboard.clientId";
  try {
    const existing = sessionStorage.getItem(key);
    if (existing) return existing;
    const id = crypto.randomUUID().replace(/-/g, "");
    sessionStorage.setItem(key, id);
    return id;
  } catch {
    return crypto.randomUUID().replace(/-/g, "");
  }
}

/**
 * Creates, but does not connect, the browser's socket. WebSocket first, so that instances behind a load balancer
 * need no sticky sessions; long-polling only where WebSockets are blocked.
 */
export function createBrowserSocket(): ClientSocket {
  return io({
    path: "/socket.io",
    autoConnect: false,
    withCredentials: true,
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
    auth: { v: PROTOCOL_VERSION, clientId: tabClientId() },
  });
}
