import type { Socket } from "socket.io-client";
import {
  ADMIN_NAMESPACE,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ClusterPoint,
} from "../protocol/admin";
import { PROTOCOL_VERSION } from "../protocol/version";
import type { ClientSocket } from "./socket";

export type AdminSocket = Socket<AdminServerToClientEvents, AdminClientToServerEvents>;

/**
 * The `/admin` namespace on the tab's existing connection (Socket.IO multiplexes namespaces over one
 * WebSocket), so the panel costs no second connection and shares its reconnects. Not connected yet.
 */
export function adminSocketOn(main: ClientSocket): AdminSocket {
  return main.io.socket(ADMIN_NAMESPACE, { auth: { v: PROTOCOL_VERSION } }) as unknown as AdminSocket;
}

/**
 * Appends a point to a bounded, time-ordered series; points at or before the last one are ignored (an update
 * that raced the history fetch).
 */
export function appendPoint(points: ClusterPoint[], point: ClusterPoint, max: number): ClusterPoint[] {
  const last = points[points.length - 1];
  if (last && point.t <= last.t) return points;
  const next = points.length >= max ? points.slice(points.length - max + 1) : points.slice();
  next.push(point);
  return next;
}

/** The fetched history, followed by whatever live points arrived after it while the fetch was in flight. */
export function mergeHistory(history: ClusterPoint[], live: ClusterPoint[], max: number): ClusterPoint[] {
  const lastT = history[history.length - 1]?.t ?? -Infinity;
  const merged = [...history, ...live.filter((p) => p.t > lastT)];
  return merged.slice(-max);
}
