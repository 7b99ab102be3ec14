import { z } from "zod";
import { clientEvent } from "./define";

export const pingPayload = z.strictObject({
  /** The client's clock when it sent the ping, echoed back for round-trip time. */
  t: z.number().finite(),
});

export const emptyPayload = z.strictObject({}).optional().default({});

export interface SessionInfo {
  user: { id: string; name: string; role: "user" | "admin" };
  instanceId: string;
  connectionId: string;
  /** Epoch ms at which the credential expires and the server closes this socket. */
  expiresAt: number;
  protocol: number;
}

export const systemClientEvents = {
  "system:ping": clientEvent<{ t: number; serverTime: number }>()(pingPayload),
  "session:info": clientEvent<SessionInfo>()(emptyPayload),
};

/**
 * `session-closed`: the user closed this session from another tab or device; do not reconnect by yourself.
 * `replaced`: a newer socket with this tab's clientId took its place; a live tab is a duplicate (its
 * sessionStorage was copied) and should take a new clientId, then reconnect.
 */
export type NoticeKind =
  | "draining"
  | "session-expired"
  | "disconnected-by-admin"
  | "session-closed"
  | "replaced"
  | "announcement"
  | "info";

export interface SystemNotice {
  kind: NoticeKind;
  message: string;
  /** Epoch ms on the sender's clock. */
  at: number;
}

export interface SystemServerEvents {
  "system:notice": (notice: SystemNotice) => void;
}
