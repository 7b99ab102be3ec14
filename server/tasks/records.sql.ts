import { sql, type Selectable } from "kysely";
import type {
  TaskError,
  TaskInfo,
  TaskKind,
  TaskRequest,
  TaskResult,
  TaskStatus,
} from "@/lib/protocol/tasks";
import type { SqlDatabase } from "../db/open";
import type { TasksTable } from "../db/schema";
import type { TaskCounts } from "./queue";

/** A task's record: what users see, and the request it runs, so that it can run again from here. */
export interface TaskRecord {
  task: TaskInfo;
  request: TaskRequest;
}

const FINAL: TaskStatus[] = ["completed", "failed", "cancelled"];
/** How far a status has come, to order two changes made in the same millisecond. */
const RANK = sql<number>`case status when 'queued' then 0 when 'running' then 1 else 2 end`;
const rankOf = (status: TaskStatus) => (status === "queued" ? 0 : status === "running" ? 1 : 2);

function parse<T>(json: string | null): T | undefined {
  return json === null ? undefined : (JSON.parse(json) as T);
}

function toTask(row: Selectable<TasksTable>): TaskInfo {
  const task: TaskInfo = {
    id: row.id,
    kind: row.kind as TaskKind,
    owner: row.owner,
    title: row.title,
    status: row.status as TaskStatus,
    progress: row.progress,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.board_id !== null) task.boardId = row.board_id;
  if (row.widget_id !== null) task.widgetId = row.widget_id;
  if (row.message !== null) task.message = row.message;
  const error = parse<TaskError>(row.error);
  if (error) task.error = error;
  const result = parse<TaskResult>(row.result);
  if (result) task.result = result;
  return task;
}

/** The columns a change of state writes (never who, what, or when it was created). */
function stateColumns(task: TaskInfo) {
  const final = FINAL.includes(task.status);
  return {
    status: task.status,
    progress: Math.max(0, Math.min(100, Math.round(task.progress))),
    message: task.message ?? null,
    attempts: Math.max(0, task.attempts),
    max_attempts: Math.max(1, task.maxAttempts),
    error: task.error ? JSON.stringify(task.error) : null,
    result: task.result ? JSON.stringify(task.result) : null,
    updated_at: task.updatedAt,
    finished_at: final ? task.updatedAt : null,
  };
}

/** A task as a new row. */
export function taskRow(task: TaskInfo, request: TaskRequest) {
  return {
    id: task.id,
    kind: task.kind,
    owner: task.owner,
    title: task.title,
    board_id: task.boardId ?? null,
    widget_id: task.widgetId ?? null,
    request: JSON.stringify(request),
    created_at: task.createdAt,
    started_at: task.status === "queued" ? null : task.updatedAt,
    ...stateColumns(task),
  };
}

/**
 * Task records in the SQL system of record (SQLite or PostgreSQL), the same in both modes. Changes arrive from
 * wherever a task runs and may cross on the way: `save` keeps the newest (by `updatedAt`, then by how far the
 * status has come), so that an older change never overwrites a newer one.
 */
export class SqlTaskRecords {
  constructor(private readonly database: SqlDatabase) {}

  async insert(task: TaskInfo, request: TaskRequest): Promise<void> {
    await this.database.db
      .insertInto("tasks")
      .values(taskRow(task, request))
      .onConflict((oc) => oc.column("id").doNothing())
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.database.db.deleteFrom("tasks").where("id", "=", id).execute();
  }

  /**
   * Writes `task`'s state unless the record holds a newer one, or a final one that only a guarded step (a retry)
   * may change: a worker that lost its job's lock may still report its stale attempt after another worker
   * completed the job, and a cancelled task's processor may report once more before it stops. Whether it wrote.
   */
  async save(task: TaskInfo): Promise<boolean> {
    const columns = stateColumns(task);
    const result = await this.database.db
      .updateTable("tasks")
      .set({
        ...columns,
        started_at:
          task.status === "running"
            ? sql<number>`case when status = 'running' then coalesce(started_at, ${task.updatedAt}) else ${task.updatedAt} end`
            : sql<number | null>`started_at`,
      })
      .where("id", "=", task.id)
      .where("status", "not in", ["completed", "cancelled"])
      .where((eb) =>
        eb.or([
          eb("updated_at", "<", task.updatedAt),
          eb.and([eb("updated_at", "=", task.updatedAt), eb(RANK, "<=", rankOf(task.status))]),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Changes the record only while its status is one of `from` (a guarded step: a retry of a failed task, the
   * failure of a task the queue lost); returns the task as it now is when it changed.
   */
  async transition(
    id: string,
    from: TaskStatus[],
    change: Pick<TaskInfo, "status" | "updatedAt"> & Partial<TaskInfo>,
    request?: TaskRequest,
  ): Promise<TaskInfo | undefined> {
    const current = await this.get(id);
    if (!current || !from.includes(current.task.status)) return undefined;
    const next: TaskInfo = { ...current.task, ...change };
    for (const key of ["message", "error", "result"] as const) if (!(key in change)) delete next[key];
    const result = await this.database.db
      .updateTable("tasks")
      .set({ ...stateColumns(next), ...(request ? { request: JSON.stringify(request) } : {}) })
      .where("id", "=", id)
      .where("status", "=", current.task.status)
      .where("updated_at", "=", current.task.updatedAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? next : undefined;
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const row = await this.database.db
      .selectFrom("tasks")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? { task: toTask(row), request: JSON.parse(row.request) as TaskRequest } : undefined;
  }

  async listFor(owner: string, limit: number): Promise<TaskInfo[]> {
    const rows = await this.database.db
      .selectFrom("tasks")
      .selectAll()
      .where("owner", "=", owner)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map(toTask);
  }

  async recentFailed(limit: number): Promise<TaskInfo[]> {
    const rows = await this.database.db
      .selectFrom("tasks")
      .selectAll()
      .where("status", "=", "failed")
      .orderBy("updated_at", "desc")
      .limit(limit)
      .execute();
    return rows.map(toTask);
  }

  /** Queued tasks that already ran an attempt wait for their next one: they count as delayed. */
  async counts(): Promise<TaskCounts> {
    const rows = await this.database.db
      .selectFrom("tasks")
      .select(["status", sql<number>`case when attempts > 0 then 1 else 0 end`.as("again")])
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .groupBy(["status", sql`case when attempts > 0 then 1 else 0 end`])
      .execute();
    const counts: TaskCounts = { queued: 0, running: 0, completed: 0, failed: 0, delayed: 0 };
    for (const row of rows) {
      const n = Number(row.n);
      if (row.status === "queued") counts[Number(row.again) === 1 ? "delayed" : "queued"] += n;
      else if (row.status === "running") counts.running += n;
      else if (row.status === "completed") counts.completed += n;
      else counts.failed += n;
    }
    return counts;
  }

  /** Records still queued or running that last changed before `before`, oldest first. */
  async pending(before: number, limit: number): Promise<TaskRecord[]> {
    const rows = await this.database.db
      .selectFrom("tasks")
      .selectAll()
      .where("status", "in", ["queued", "running"])
      .where("updated_at", "<", before)
      .orderBy("updated_at")
      .limit(limit)
      .execute();
    return rows.map((row) => ({ task: toTask(row), request: JSON.parse(row.request) as TaskRequest }));
  }

  /** Deletes the records of tasks that finished before `before`; returns how many. */
  async prune(before: number): Promise<number> {
    const result = await this.database.db
      .deleteFrom("tasks")
      .where("status", "in", FINAL)
      .where("updated_at", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
