import type { ColumnType, Generated } from "kysely";

/**
 * The tables of the system of record, as Kysely sees them. Columns are snake_case; times are epoch ms (BIGINT,
 * read back as numbers on both dialects); JSON is stored as text and parsed by the store that owns it, so that both
 * dialects hand back the same shapes. `migrations.ts` creates them.
 */
export interface Database {
  roles: RolesTable;
  users: UsersTable;
  boards: BoardsTable;
  board_members: BoardMembersTable;
  board_ops: BoardOpsTable;
  board_snapshots: BoardSnapshotsTable;
  board_snapshot_widgets: BoardSnapshotWidgetsTable;
  notifications: NotificationsTable;
  settings: SettingsTable;
  connection_limits: ConnectionLimitsTable;
  api_tokens: ApiTokensTable;
  tasks: TasksTable;
  task_files: TaskFilesTable;
  audit_log: AuditLogTable;
}

/** The roles a user may hold (`user`, `admin`), so that `users.role` is checked by a foreign key. */
export interface RolesTable {
  name: string;
}

export interface UsersTable {
  /** The user name doubles as the id. */
  name: string;
  role: string;
  password_hash: string;
  /** The credential generation (see `UserRecord.epoch`). */
  epoch: ColumnType<number, number | undefined, number>;
  created_at: number;
}

/**
 * One row per board: its head revision and where its newest snapshot stands. The document itself is the newest
 * snapshot plus the ops after it (`board_ops`), so a commit writes rows proportional to the op, never the board.
 */
export interface BoardsTable {
  id: string;
  owner: string;
  rev: number;
  /** The revision of the newest row in `board_snapshots`. */
  snapshot_rev: number;
  created_at: number;
  updated_at: number;
  /** When its owner deleted it (epoch ms); null while it is live. A deleted board is purged 30 days later. */
  deleted_at: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Who may see a board (owner and members), for "my boards"; the board document stays the authority on roles. */
export interface BoardMembersTable {
  board_id: string;
  user_name: string;
}

/** The full op log: (board_id, rev) and (board_id, op_id) are both unique. */
export interface BoardOpsTable {
  board_id: string;
  rev: number;
  op_id: string;
  /** `BoardOp` as JSON. */
  op: string;
  by_user: string;
  at: number;
}

/** A board's newest snapshot; with `board_snapshot_widgets` it is the board at `rev`. */
export interface BoardSnapshotsTable {
  board_id: string;
  rev: number;
  /**
   * `BoardDoc` as JSON, at `rev`: without `widgets` when they are rows of `board_snapshot_widgets` (as the store
   * writes it), or whole, widgets included (as earlier versions and `db:import` wrote it).
   */
  doc: string;
  taken_at: number;
}

/**
 * The widgets of a board's snapshot, one row each, so that a snapshot rewrites only the widgets that changed. A row
 * is the widget as it stands at the snapshot's revision; `rev` is the snapshot that last wrote it.
 */
export interface BoardSnapshotWidgetsTable {
  board_id: string;
  widget_id: string;
  rev: number;
  /** `Widget` as JSON. */
  widget: string;
}

export interface NotificationsTable {
  /** Insertion order: a feed is newest first. */
  seq: Generated<number>;
  user_name: string;
  id: string;
  kind: string;
  title: string;
  body: string;
  by_user: string | null;
  link: string | null;
  at: number;
  /** 0 or 1 (SQLite has no boolean). */
  read: number;
}

/** Instance-wide settings by name, e.g. `connections.default`. */
export interface SettingsTable {
  name: string;
  value: string;
}

/** Per-user connection limits set through the admin API. */
export interface ConnectionLimitsTable {
  user_name: string;
  max_connections: number;
}

export interface ApiTokensTable {
  /** The token's `jti`. */
  id: string;
  name: string;
  owner: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
}

/**
 * One row per background task, in both modes: who asked, what, its state, progress, result or error, attempts and
 * times. The queue that runs tasks (in-process embedded, BullMQ in Redis mode) only transports them; a wiped Redis
 * or a restart leaves these rows, and `RecordedTaskQueue` fails the ones that were left pending (retryable).
 */
export interface TasksTable {
  id: string;
  kind: string;
  owner: string;
  title: string;
  board_id: string | null;
  widget_id: string | null;
  status: string;
  progress: number;
  message: string | null;
  attempts: number;
  max_attempts: number;
  /** `TaskRequest` as JSON. */
  request: string;
  /** `TaskError` as JSON. */
  error: string | null;
  /** `TaskResult` as JSON. */
  result: string | null;
  created_at: number;
  updated_at: number;
  /** When the newest run started; null before the first. */
  started_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** When it reached completed, failed or cancelled; null while queued or running. */
  finished_at: ColumnType<number | null, number | null | undefined, number | null>;
}

/** Uploads waiting to be imported and exports kept for download, counted against their owner's quota. */
export interface TaskFilesTable {
  key: string;
  owner: string | null;
  task_id: string | null;
  bytes: number;
  data: Buffer;
  created_at: number;
  expires_at: number;
}

/** Who did what, on what, from where and when (see `server/audit/`). Append-only: a trigger refuses updates. */
export interface AuditLogTable {
  /** Insertion order; pages of the log are newest first by `seq`. */
  seq: Generated<number>;
  at: number;
  /** The user who acted, or who tried to sign in; null for the command line. */
  actor: string | null;
  action: string;
  /** `user`, `board`, `token`, `task` or `limits`, with `target` the name or id; both null or both set. */
  target_kind: string | null;
  target: string | null;
  ip: string | null;
  /** How the actor proved who they are: `password`, `oidc`, `session`, `token` or `cli`. */
  method: string | null;
  outcome: "success" | "failure";
  /** A small JSON object with the action's specifics (the new role, the limit, the token's name). */
  details: string | null;
}
