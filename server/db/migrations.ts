import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";

export type Dialect = "sqlite" | "postgres";

/**
 * The schema's versions, oldest first, named so that they sort in order. Written in code rather than found in a
 * folder at runtime: the server is bundled by esbuild, and a bundle has no migration folder to glob. A released
 * migration is never edited; a change is a new entry.
 *
 * `Kysely<any>`: a migration works on the schema as it was at its version, not on today's `Database`.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export function migrations(dialect: Dialect): Record<string, Migration> {
  const blob = dialect === "postgres" ? "bytea" : "blob";
  return {
    "0001_system_of_record": {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("roles")
          .addColumn("name", "text", (c) => c.primaryKey())
          .execute();
        await db
          .insertInto("roles")
          .values([{ name: "user" }, { name: "admin" }])
          .execute();

        await db.schema
          .createTable("users")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("role", "text", (c) => c.notNull().references("roles.name"))
          .addColumn("password_hash", "text", (c) => c.notNull())
          .addColumn("epoch", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("boards")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("owner", "text", (c) => c.notNull())
          .addColumn("rev", "integer", (c) => c.notNull())
          .addColumn("snapshot_rev", "integer", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("board_members")
          .addColumn("board_id", "text", (c) => c.notNull().references("boards.id").onDelete("cascade"))
          .addColumn("user_name", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("board_members_pk", ["board_id", "user_name"])
          .execute();
        await db.schema
          .createIndex("board_members_by_user")
          .on("board_members")
          .columns(["user_name", "board_id"])
          .execute();

        await db.schema
          .createTable("board_ops")
          .addColumn("board_id", "text", (c) => c.notNull().references("boards.id").onDelete("cascade"))
          .addColumn("rev", "integer", (c) => c.notNull())
          .addColumn("op_id", "text", (c) => c.notNull())
          .addColumn("op", "text", (c) => c.notNull())
          .addColumn("by_user", "text", (c) => c.notNull())
          .addColumn("at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("board_ops_pk", ["board_id", "rev"])
          .addUniqueConstraint("board_ops_op_id_unique", ["board_id", "op_id"])
          .execute();

        await db.schema
          .createTable("board_snapshots")
          .addColumn("board_id", "text", (c) => c.notNull().references("boards.id").onDelete("cascade"))
          .addColumn("rev", "integer", (c) => c.notNull())
          .addColumn("doc", "text", (c) => c.notNull())
          .addColumn("taken_at", "bigint", (c) => c.notNull())
          .addPrimaryKeyConstraint("board_snapshots_pk", ["board_id", "rev"])
          .execute();

        await db.schema
          .createTable("notifications")
          .addColumn("seq", dialect === "postgres" ? "bigint" : "integer", (c) =>
            dialect === "postgres"
              ? c.primaryKey().generatedAlwaysAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn("user_name", "text", (c) => c.notNull())
          .addColumn("id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("by_user", "text")
          .addColumn("link", "text")
          .addColumn("at", "bigint", (c) => c.notNull())
          .addColumn("read", "integer", (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createIndex("notifications_by_user")
          .on("notifications")
          .columns(["user_name", "seq"])
          .execute();

        await db.schema
          .createTable("settings")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("value", "text", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("connection_limits")
          .addColumn("user_name", "text", (c) => c.primaryKey())
          .addColumn("max_connections", "integer", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("api_tokens")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("owner", "text", (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("expires_at", "bigint", (c) => c.notNull())
          .addColumn("last_used_at", "bigint")
          .execute();
        await db.schema.createIndex("api_tokens_by_owner").on("api_tokens").columns(["owner"]).execute();

        await db.schema
          .createTable("tasks")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("owner", "text", (c) => c.notNull())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("board_id", "text")
          .addColumn("widget_id", "text")
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("progress", "integer", (c) => c.notNull())
          .addColumn("message", "text")
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("max_attempts", "integer", (c) => c.notNull())
          .addColumn("request", "text", (c) => c.notNull())
          .addColumn("error", "text")
          .addColumn("result", "text")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("tasks_by_owner").on("tasks").columns(["owner", "created_at"]).execute();
        await db.schema.createIndex("tasks_by_status").on("tasks").columns(["status"]).execute();

        await db.schema
          .createTable("task_files")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("owner", "text")
          .addColumn("task_id", "text", (c) => c.references("tasks.id").onDelete("set null"))
          .addColumn("bytes", "bigint", (c) => c.notNull())
          .addColumn("data", sql.raw(blob), (c) => c.notNull())
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("expires_at", "bigint", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("task_files_by_owner").on("task_files").columns(["owner"]).execute();
        await db.schema
          .createIndex("task_files_by_expiry")
          .on("task_files")
          .columns(["expires_at"])
          .execute();
      },
    },
    "0002_tasks": {
      // Task records become the system of record for tasks in both modes (they were in tasks.json or only in
      // BullMQ's jobs), so the table gains its invariants as constraints and the times of a run. SQLite cannot add
      // a CHECK to a table, so the table is rebuilt with its rows: create, copy, drop, rename.
      async up(db: Kysely<any>) {
        const columns = [
          "id",
          "kind",
          "owner",
          "title",
          "board_id",
          "widget_id",
          "status",
          "progress",
          "message",
          "attempts",
          "max_attempts",
          "request",
          "error",
          "result",
          "created_at",
          "updated_at",
        ];
        await db.schema
          .createTable("tasks_v2")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("owner", "text", (c) => c.notNull())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("board_id", "text")
          .addColumn("widget_id", "text")
          .addColumn("status", "text", (c) =>
            c.notNull().check(sql`status in ('queued', 'running', 'completed', 'failed', 'cancelled')`),
          )
          .addColumn("progress", "integer", (c) => c.notNull().check(sql`progress between 0 and 100`))
          .addColumn("message", "text")
          .addColumn("attempts", "integer", (c) => c.notNull().check(sql`attempts >= 0`))
          .addColumn("max_attempts", "integer", (c) => c.notNull().check(sql`max_attempts >= 1`))
          .addColumn("request", "text", (c) => c.notNull())
          .addColumn("error", "text")
          .addColumn("result", "text")
          .addColumn("created_at", "bigint", (c) => c.notNull())
          .addColumn("updated_at", "bigint", (c) => c.notNull())
          .addColumn("started_at", "bigint")
          .addColumn("finished_at", "bigint")
          .execute();
        const list = sql.join(columns.map((c) => sql.ref(c)));
        await sql`insert into tasks_v2 (${list}) select ${list} from tasks`.execute(db);
        // PostgreSQL: the foreign key of task_files goes with the old table and is made again below. SQLite keeps
        // it by name, and it points at the new table once that is renamed.
        await (dialect === "postgres" ? sql`drop table tasks cascade` : sql`drop table tasks`).execute(db);
        await db.schema.alterTable("tasks_v2").renameTo("tasks").execute();
        if (dialect === "postgres")
          await sql`alter table task_files add constraint task_files_task_id_fkey
            foreign key (task_id) references tasks (id) on delete set null`.execute(db);
        await db.schema.createIndex("tasks_by_owner").on("tasks").columns(["owner", "created_at"]).execute();
        await db.schema
          .createIndex("tasks_by_status")
          .on("tasks")
          .columns(["status", "updated_at"])
          .execute();
      },
    },
    "0003_audit_log": {
      // Depends only on 0001: the audit log names users, boards and tokens by value, never by foreign key, so
      // that an entry outlives what it is about.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("audit_log")
          .addColumn("seq", dialect === "postgres" ? "bigint" : "integer", (c) =>
            dialect === "postgres"
              ? c.primaryKey().generatedAlwaysAsIdentity()
              : c.primaryKey().autoIncrement(),
          )
          .addColumn("at", "bigint", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.check(sql`length(actor) between 1 and 64`))
          .addColumn("action", "text", (c) => c.notNull().check(sql`length(action) between 1 and 64`))
          .addColumn("target_kind", "text", (c) => c.check(sql`length(target_kind) between 1 and 16`))
          .addColumn("target", "text", (c) => c.check(sql`length(target) between 1 and 128`))
          .addColumn("ip", "text", (c) => c.check(sql`length(ip) between 1 and 64`))
          .addColumn("method", "text", (c) => c.check(sql`length(method) between 1 and 16`))
          .addColumn("outcome", "text", (c) => c.notNull().check(sql`outcome in ('success', 'failure')`))
          .addColumn("details", "text", (c) => c.check(sql`length(details) <= 4096`))
          .addCheckConstraint("audit_log_target_pair", sql`(target_kind is null) = (target is null)`)
          .execute();
        await db.schema.createIndex("audit_log_by_at").on("audit_log").columns(["at"]).execute();
        await db.schema.createIndex("audit_log_by_actor").on("audit_log").columns(["actor", "seq"]).execute();
        await db.schema
          .createIndex("audit_log_by_action")
          .on("audit_log")
          .columns(["action", "seq"])
          .execute();
        await db.schema
          .createIndex("audit_log_by_target")
          .on("audit_log")
          .columns(["target_kind", "target", "seq"])
          .execute();
        // Append-only: an entry is never changed. Old entries are deleted by the retention sweep only.
        if (dialect === "postgres") {
          await sql`create function audit_log_refuse_update() returns trigger language plpgsql as $$
            begin raise exception 'the audit log is append-only'; end $$`.execute(db);
          await sql`create trigger audit_log_no_update before update on audit_log
            for each row execute function audit_log_refuse_update()`.execute(db);
        } else {
          await sql`create trigger audit_log_no_update before update on audit_log
            begin select raise(abort, 'the audit log is append-only'); end`.execute(db);
        }
      },
    },
    /**
     * Deleting a board moves it to its owner's trash: `deleted_at` is set and the board is hidden, its log and
     * snapshots kept until it is restored or purged (30 days later).
     */
    "0004_board_trash": {
      async up(db: Kysely<any>) {
        await db.schema
          .alterTable("boards")
          .addColumn("deleted_at", "bigint", (c) =>
            c.check(sql`deleted_at is null or deleted_at >= created_at`),
          )
          .execute();
        await db.schema.createIndex("boards_deleted").on("boards").columns(["owner", "deleted_at"]).execute();
      },
    },
    "0005_board_snapshots": {
      // A board's snapshot in parts: `board_snapshots.doc` keeps the board without its widgets, and each widget is a
      // row here, so that a snapshot rewrites only the widgets that changed since the one before. A snapshot written
      // whole (by an earlier version, or by `db:import`) still loads: its `doc` has the widgets.
      async up(db: Kysely<any>) {
        await db.schema
          .createTable("board_snapshot_widgets")
          .addColumn("board_id", "text", (c) => c.notNull().references("boards.id").onDelete("cascade"))
          .addColumn("widget_id", "text", (c) => c.notNull())
          .addColumn("rev", "integer", (c) => c.notNull())
          .addColumn("widget", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("board_snapshot_widgets_pk", ["board_id", "widget_id"])
          .execute();
      },
    },
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The provider the Migrator reads: the list above, nothing from disk. */
export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(migrations(this.dialect));
  }
}

/** The newest version this code knows, the name of its last migration. */
export function latestVersion(dialect: Dialect): string {
  return Object.keys(migrations(dialect)).sort().at(-1)!;
}
