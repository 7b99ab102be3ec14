import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "@/lib/protocol/events";
import type { SessionPlace } from "@/lib/protocol/sessions";
import type { Principal } from "../auth/principal";

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface InterServerEvents {}

export interface SocketData {
  user: Principal;
  /** Stable for the life of this socket; used as the registry member and in logs. */
  connectionId: string;
  /** The tab's id from the handshake, so a reconnect of the same tab is recognised. */
  clientId?: string;
  connectedAt: number;
  /** The page the tab has open, what it calls its browser, and when it said so (`session:place`). */
  place?: SessionPlace & { browserId: string };
  /** Epoch ms of the socket's last event: the user's sessions list shows it. */
  lastActiveAt?: number;
}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export const userRoom = (name: string) => `user:${name}`;
