import type { ServerToClientEvents } from "@/lib/protocol/events";

export interface BroadcastTarget {
  to(room: string | string[]): BroadcastTarget;
  emit<E extends keyof ServerToClientEvents>(event: E, ...args: Parameters<ServerToClientEvents[E]>): unknown;
}

/**
 * What sends events to rooms: the Socket.IO server in a web process, or `@socket.io/redis-emitter` in a worker,
 * which holds no sockets and reaches the browsers through the adapter's Redis channels.
 */
export interface Broadcaster {
  to(room: string | string[]): BroadcastTarget;
}
