import type { ConnectErrorData } from "../protocol/handshake";
import { own } from "../util/own";

/** Every state the UI shows for the realtime connection. */
export type ConnectionStatus =
  "connecting" | "connected" | "reconnecting" | "offline" | "limited" | "unauthorized" | "unsupported";

export interface ConnectionState {
  status: ConnectionStatus;
  /** Why the last attempt failed, in words a user can read. */
  detail?: string;
  /** Data from a refused handshake, e.g. `{ limit, active }` for CONNECTION_LIMIT. */
  error?: ConnectErrorData;
  attempt: number;
}

export type ConnectionEvent =
  | { type: "connect" }
  | { type: "disconnect"; reason: string; willReconnect: boolean }
  | { type: "reconnect_attempt"; attempt: number }
  | { type: "connect_error"; code: string; data?: ConnectErrorData; willReconnect: boolean }
  | { type: "browser_offline" }
  | { type: "browser_online" };

export const initialConnectionState: ConnectionState = { status: "connecting", attempt: 0 };

const TERMINAL: Record<string, ConnectionStatus> = {
  UNAUTHORIZED: "unauthorized",
  CONNECTION_LIMIT: "limited",
  UNSUPPORTED_PROTOCOL: "unsupported",
};

/** Pure, so that what the pill says for each socket event is tested without a browser. */
export function reduceConnection(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  switch (event.type) {
    case "connect":
      return { status: "connected", attempt: 0 };
    case "disconnect":
      if (!event.willReconnect) return { ...state, status: "offline", detail: event.reason };
      return { ...state, status: "reconnecting", detail: event.reason };
    case "reconnect_attempt":
      return {
        ...state,
        status: state.status === "offline" ? "offline" : "reconnecting",
        attempt: event.attempt,
      };
    case "connect_error": {
      const terminal = own(TERMINAL, event.code);
      if (terminal)
        return { status: terminal, error: event.data, detail: event.data?.message, attempt: state.attempt };
      return {
        status: event.willReconnect
          ? state.status === "connecting"
            ? "connecting"
            : "reconnecting"
          : "offline",
        error: event.data,
        detail: event.data?.message ?? event.code,
        attempt: state.attempt + 1,
      };
    }
    case "browser_offline":
      return {
        ...state,
        status: state.status === "connected" ? "reconnecting" : "offline",
        detail: "your device is offline",
      };
    case "browser_online":
      return state.status === "offline" ? { ...state, status: "reconnecting", detail: undefined } : state;
  }
}

/** Full jitter: a uniformly random wait up to an exponentially growing cap, so clients never reconnect in step. */
export function backoffDelay(attempt: number, baseMs = 500, capMs = 10_000, random = Math.random): number {
  const cap = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 10));
  return Math.round(baseMs / 2 + random() * (cap - baseMs / 2));
}
