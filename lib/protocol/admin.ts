import { z } from "zod";
import type { AckFn } from "./ack";
import { auditQuerySchema, type AuditPage } from "./audit";
import { idSchema } from "./boards";
import { clientEvent, type SpecPayloadIn, type SpecResult } from "./define";
import type { LimitsResponse, SessionSummary } from "./sessions";
import { emptyPayload } from "./system";
import type { TaskInfo } from "./tasks";

/**
 * The `/admin` namespace: admins only. The server pushes `admin:update` about once a second (and sooner when a
 * count changes); the client asks for the history once with `admin:history`. The users table and the queue are
 * pushed too (`admin:users`, `admin:queue`) once the client asked for them; actions are acknowledged events.
 */
export const ADMIN_NAMESPACE = "/admin";

/** `stopped`: shut down cleanly. `gone`: no heartbeat for a while, so it probably crashed. */
export type InstanceState = "live" | "draining" | "stopped" | "gone";

export interface TransportCounts {
  total: number;
  websocket: number;
  polling: number;
}

export interface InstanceRow {
  id: string;
  state: InstanceState;
  mode: "embedded" | "redis";
  startedAt: number;
  /** Epoch ms of its last snapshot, on that instance's clock. */
  lastHeartbeat: number;
  uptimeMs: number;
  connections: TransportCounts;
  users: number;
  eventsInPerSec: number;
  eventsOutPerSec: number;
  /** Event-loop delay p99 over the last second. */
  loopLagMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Percent of one core over the last second. */
  cpuPercent: number;
}

/**
 * One second of the whole cluster (live and draining instances). Rates are per second. Latency percentiles are
 * over a sliding window (`windowSeconds`) of samples merged from every instance, null when there were none.
 */
export interface ClusterPoint {
  /** Epoch ms on the clock of the instance that built the point. */
  t: number;
  instances: number;
  connections: number;
  websocket: number;
  polling: number;
  users: number;
  eventsIn: number;
  eventsOut: number;
  bytesIn: number;
  bytesOut: number;
  connects: number;
  disconnects: number;
  rejections: number;
  errorsWebsocket: number;
  errorsPolling: number;
  loopLagMs: number;
  deliveryP50: number | null;
  deliveryP95: number | null;
  deliveryP99: number | null;
  deliveryCount: number;
  rttP50: number | null;
  rttP99: number | null;
}

export interface AdminView {
  /** When the server built this; measured by the admin's latency sampler like any stamped push. */
  at: number;
  /** The cluster right now (not yet in the history). */
  current: ClusterPoint;
  instances: InstanceRow[];
  /** Refused handshakes by reason, summed over live instances since they started. */
  rejectionsByReason: Record<string, number>;
  /** Whether `users` is exact (few users) or a HyperLogLog estimate. */
  usersExact: boolean;
  /**
   * Redis as seen from the instance serving this view. While it is `down`, other instances' snapshots cannot
   * arrive, so they turn `gone` here even if they are fine.
   */
  redis: "up" | "down" | "disabled";
}

export interface AdminUpdate extends AdminView {
  /** Present once a second: the point just appended to the history. */
  appended?: ClusterPoint;
}

export interface AdminHistory extends AdminView {
  points: ClusterPoint[];
  historySeconds: number;
  windowSeconds: number;
}

/** Bounds of a connection limit, the same as the registry's (`MAX_CONNECTIONS_PER_USER`). */
export const CONNECTION_LIMIT_MIN = 1;
export const CONNECTION_LIMIT_MAX = 10_000;
/** Users per page of the users table. */
export const USERS_PAGE_SIZE = 25;
/** Connections listed per user in the users table; `connectionCount` says how many there are. */
export const USER_CONNECTIONS_LISTED = 50;
/** Recent failed tasks in the queue view. */
export const QUEUE_FAILED_LISTED = 20;
export const ANNOUNCEMENT_MAX_CHARS = 500;

const userNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_-]{1,31}$/, { error: "expected a user name" });

const limitMessage = `expected an integer between ${CONNECTION_LIMIT_MIN} and ${CONNECTION_LIMIT_MAX}`;
const connectionLimitSchema = z
  .number({ error: limitMessage })
  .int({ error: limitMessage })
  .min(CONNECTION_LIMIT_MIN, { error: limitMessage })
  .max(CONNECTION_LIMIT_MAX, { error: limitMessage });

export const usersQuerySchema = z
  .strictObject({
    /** Matches user names, instance ids, IP addresses and browsers, case-insensitively. */
    search: z.string().trim().max(64).default(""),
    page: z.number().int().min(1).max(100_000).default(1),
  })
  .optional()
  .default({ search: "", page: 1 });

export type UsersQuery = z.output<typeof usersQuerySchema>;

/** One connection of a user, wherever it is: the same view the user gets of their own sessions. */
export type AdminConnection = SessionSummary;

export interface AdminUserRow {
  name: string;
  /** All of the user's connections, across instances. */
  connectionCount: number;
  /** Connections per instance id. */
  perInstance: Record<string, number>;
  /** Ordered by instance, then connect time; at most `USER_CONNECTIONS_LISTED`. */
  connections: AdminConnection[];
  /** The limit that applies to the user's next connection. */
  limit: number;
  /** `user`: an override for this user; `default`: the global limit. */
  limitSource: "user" | "default";
}

export type LimitSettings = Omit<LimitsResponse, "ok">;

/** A page of the users with connections, ordered by name, with the connection limits. */
export interface UsersPage {
  /** When the server built this page. */
  at: number;
  search: string;
  /** 1-based; clamped to `pages` when the list shrank. */
  page: number;
  pages: number;
  pageSize: number;
  /** Users (and their connections) matching the search, over all pages. */
  matchingUsers: number;
  matchingConnections: number;
  /** Everyone connected, whatever the search. */
  totalUsers: number;
  totalConnections: number;
  rows: AdminUserRow[];
  limits: LimitSettings;
}

export interface QueueCounts {
  queued: number;
  running: number;
  delayed: number;
  completed: number;
  failed: number;
}

export interface QueueStats {
  /** When the server read the queue. */
  at: number;
  counts: QueueCounts;
  /** The most recent failures, newest first, at most `QUEUE_FAILED_LISTED`. */
  failed: TaskInfo[];
}

export interface DisconnectOutcome {
  user: string;
  /** Sockets closed, in all. */
  closed: number;
  /** Sockets closed per instance, for the instances that answered. */
  perInstance: Record<string, number>;
  /** Instances that did not answer in time; their sockets close at their next registry heartbeat. */
  unanswered: number;
  /** Registry entries of the user removed after the sockets closed (e.g. those of unanswering instances). */
  released: number;
}

export interface AnnounceOutcome {
  /** Users whose feed now holds the announcement (every known user). */
  recipients: number;
  /** Users whose feed could not be written. */
  failed: number;
  /** The notice's `at`. */
  at: number;
}

/** Every event an admin may emit on `/admin`, with the schema that guards it; see docs/PROTOCOL.md. */
export const adminClientEvents = {
  "admin:history": clientEvent<AdminHistory>()(emptyPayload),
  /** This socket's users query; the page comes back in the ack, and as `admin:users` whenever it changes. */
  "admin:users": clientEvent<UsersPage>()(usersQuerySchema),
  /** The queue now; then `admin:queue` whenever it changes. */
  "admin:queue": clientEvent<QueueStats>()(emptyPayload),
  "admin:disconnect-user": clientEvent<DisconnectOutcome>()(z.strictObject({ user: userNameSchema })),
  "admin:announce": clientEvent<AnnounceOutcome>()(
    z.strictObject({ message: z.string().trim().min(1).max(ANNOUNCEMENT_MAX_CHARS) }),
  ),
  /** Without `user`: the default limit. `limit: null` reverts the default to config, or removes the override. */
  "admin:set-limit": clientEvent<{ limits: LimitSettings }>()(
    z.strictObject({ user: userNameSchema.optional(), limit: connectionLimitSchema.nullable() }),
  ),
  "admin:retry-task": clientEvent<{ task: TaskInfo }>()(z.strictObject({ taskId: idSchema })),
  /** A page of the audit log, newest first; the same as `GET /api/admin/audit`. */
  "admin:audit": clientEvent<AuditPage>()(auditQuerySchema),
};

export type AdminEventSpecs = typeof adminClientEvents;
export type AdminEventName = keyof AdminEventSpecs;

export interface AdminServerToClientEvents {
  "admin:update": (update: AdminUpdate) => void;
  "admin:users": (page: UsersPage) => void;
  "admin:queue": (stats: QueueStats) => void;
}

export type AdminClientToServerEvents = {
  [K in AdminEventName]: (
    payload: SpecPayloadIn<AdminEventSpecs[K]>,
    ack: AckFn<SpecResult<AdminEventSpecs[K]>>,
  ) => void;
};
