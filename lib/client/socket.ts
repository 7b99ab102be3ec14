import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/events";
import { PROTOCOL_VERSION } from "../protocol/version";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const CLIENT_ID_KEY = "pulseboard.clientId";

/** A tab's id survives reloads of that tab but not other tabs, so a reconnect is never counted as a new tab. */
export function tabClientId(): string {
  const key = CLIENT_ID_KEY;
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
 * A duplicated tab starts with a copy of its original's sessionStorage, hence the same id; the server then
 * closes one of them with a `replaced` notice, and that one takes a new id here.
 */
export function renewTabClientId(): string {
  try {
    sessionStorage.removeItem(CLIENT_ID_KEY);
  } catch {
    // storage unavailable: tabClientId() makes a fresh id anyway
  }
  return tabClientId();
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
