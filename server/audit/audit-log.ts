import type { Kysely, Selectable } from "kysely";
import type {
  AuditAction,
  AuditEntry,
  AuditMethod,
  AuditPage,
  AuditQuery,
  AuditTargetKind,
} from "@/lib/protocol/audit";
import type { SqlDatabase } from "../db/open";
import type { AuditLogTable, Database } from "../db/schema";

/**
 * One entry to write: who, what, on what, from where. `at` defaults to now. Stores that change the system of
 * record take one of these and write it in the same transaction as the change (`insertAudit`), so that the log
 * holds an entry exactly when the change happened.
 */
export interface AuditRecord {
  actor: string | null;
  action: AuditAction;
  target?: { kind: AuditTargetKind; id: string };
  ip?: string | null;
  method?: AuditMethod | null;
  /** Default `success`. */
  outcome?: "success" | "failure";
  details?: Record<string, unknown>;
  at?: number;
}

/** Who is acting and from where: what a handler knows, to which the action adds what and on what. */
export type AuditActor = Pick<AuditRecord, "actor" | "ip" | "method">;

/** The server itself, acting on no user's behalf (seeding the demo users, test fixtures): still audited. */
export const SYSTEM_ACTOR: AuditActor = { actor: null, ip: null, method: null };

/** An entry of the server itself (`SYSTEM_ACTOR`), for internal changes that take an audit record. */
export function bySystem(action: AuditAction, target?: AuditRecord["target"]): AuditRecord {
  return { ...SYSTEM_ACTOR, action, target };
}

const MAX_DETAILS_CHARS = 4096;
const cut = (s: string | null | undefined, n: number) => (s ? s.slice(0, n) : null);

function detailsJson(details: Record<string, unknown> | undefined): string | null {
  if (!details) return null;
  const json = JSON.stringify(details);
  return json.length <= MAX_DETAILS_CHARS ? json : JSON.stringify({ truncated: true });
}

/** Writes one entry with `db`, which may be a transaction: then the entry commits or rolls back with it. */
export async function insertAudit(
  db: Kysely<Database>,
  record: AuditRecord,
  now: () => number = Date.now,
): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      at: record.at ?? now(),
      actor: cut(record.actor, 64),
      action: record.action,
      target_kind: record.target ? record.target.kind : null,
      target: record.target ? cut(record.target.id, 128) : null,
      ip: cut(record.ip, 64),
      method: record.method ?? null,
      outcome: record.outcome ?? "success",
      details: detailsJson(record.details),
    })
    .execute();
}

/** The audit log as the app sees it: entries are added and read, never changed; old ones are pruned. */
export interface AuditLog {
  /** For actions that are not a database write (sign-ins, disconnects, announcements, task retries). */
  append(record: AuditRecord): Promise<void>;
  /** A page of entries, newest first. */
  page(query: AuditQuery): Promise<AuditPage>;
  /** Deletes entries older than `before` (epoch ms); returns how many. */
  prune(before: number): Promise<number>;
}

const toEntry = (row: Selectable<AuditLogTable>): AuditEntry => ({
  id: String(row.seq),
  at: Number(row.at),
  actor: row.actor,
  action: row.action as AuditAction,
  target: row.target_kind && row.target ? { kind: row.target_kind as AuditTargetKind, id: row.target } : null,
  ip: row.ip,
  method: row.method as AuditMethod | null,
  outcome: row.outcome,
  details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
});

/** The audit log in the SQL system of record (`audit_log`, migration 0003). */
export class SqlAuditLog implements AuditLog {
  constructor(
    private readonly database: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  append(record: AuditRecord): Promise<void> {
    return insertAudit(this.database.db, record, this.now);
  }

  async page(query: AuditQuery): Promise<AuditPage> {
    let q = this.database.db.selectFrom("audit_log").selectAll();
    if (query.user) {
      const user = query.user;
      q = q.where((eb) =>
        eb.or([eb("actor", "=", user), eb.and([eb("target_kind", "=", "user"), eb("target", "=", user)])]),
      );
    }
    if (query.action) q = q.where("action", "=", query.action);
    if (query.from !== undefined) q = q.where("at", ">=", query.from);
    if (query.to !== undefined) q = q.where("at", "<", query.to);
    if (query.cursor) q = q.where("seq", "<", Number(query.cursor));
    const rows = await q
      .orderBy("seq", "desc")
      .limit(query.limit + 1)
      .execute();
    const entries = rows.slice(0, query.limit).map(toEntry);
    return {
      entries,
      nextCursor: rows.length > query.limit ? (entries.at(-1)?.id ?? null) : null,
    };
  }

  async prune(before: number): Promise<number> {
    const result = await this.database.db.deleteFrom("audit_log").where("at", "<", before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

/**
 * The entry of a board restored from the trash, for the store that restores it to write with `insertAudit` in the
 * restore's own transaction (as `SqlBoardStore.delete` does for `board.delete`).
 */
export function boardRestoredRecord(
  by: AuditActor,
  board: { id: string; title?: string },
  at?: number,
): AuditRecord {
  return {
    ...by,
    action: "board.restore",
    target: { kind: "board", id: board.id },
    details: board.title === undefined ? undefined : { title: board.title },
    at,
  };
}
