import { EventEmitter } from "node:events";
import type { ErrorCode } from "@/lib/protocol/errors";

/**
 * In-process signals between features that should not import each other: a feature reports what happened, and
 * whoever cares (metrics, the admin panel) listens. Listeners must be cheap and must not throw.
 */
export interface BusEvents {
  /** A handshake was refused; `code` is what the client saw in `connect_error`. */
  "handshake:rejected": [code: ErrorCode | string];
  /** An event was refused with RATE_LIMITED. */
  "event:rate-limited": [user: string, event: string];
  /** A socket kept flooding after being rate-limited and was disconnected. */
  "socket:flooding": [user: string];
  /** A socket's outbound queue passed OUTBOUND_BUFFER_MAX_BYTES: its board ops were dropped, or it was closed. */
  "socket:slow": [user: string, action: "dropped" | "disconnected"];
  /** A credential (API token, or a user's sessions) was revoked on this instance: check open sockets now. */
  "auth:revoked": [];
}

export class AppBus extends EventEmitter<BusEvents> {}
