import type { Kysely, Selectable } from "kysely";
import { applyOp } from "@/lib/boards/apply";
import { insertAudit, type AuditRecord } from "../audit/audit-log";
import { roleOf, type BoardDoc, type Widget } from "@/lib/boards/types";
import type { BoardOp, CommittedOp } from "@/lib/protocol/boards";
import type { SqlDatabase } from "../db/open";
import type { BoardOpsTable, Database } from "../db/schema";
import { isUniqueViolation, writeTransaction } from "../db/transaction";
import type { Logger } from "../logging/logger";
import { Lru } from "../util/lru";
import { own } from "@/lib/util/own";
import {
  assertCommitShape,
  type BoardArchive,
  type BoardStore,
  type CommitResult,
  type DeletedBoardRecord,
} from "./store";

export interface SqlBoardStoreOptions {
  /** A board's document is written whole once this many ops have passed since its last snapshot. */
  snapshotEvery?: number;
  /**
   * How many revisions of op log each board keeps behind its head; unset keeps the full history (the default).
   * Ops after the newest snapshot are always kept, since loading the board replays them.
   */
  logRetention?: number;
  /**
   * Documents kept in memory at most, by board, to spare a replay; each is checked against the head revision
   * first. A board leaves memory sooner when the board feature releases it (`release`: nobody has it open).
   */
  cacheSize?: number;
  logger?: Logger;
  now?: () => number;
  /** Called after each snapshot is written, with what it wrote and what it took (benchmarks, metrics). */
  onSnapshot?: (written: SnapshotWritten) => void;
}

export interface SnapshotWritten {
  boardId: string;
  rev: number;
  /** Widget rows written (the others were unchanged since the snapshot before). */
  widgets: number;
  /** Characters of JSON written: the widget rows and the board without its widgets. */
  chars: number;
  /** Time spent turning the changed parts into JSON, on the event loop, before the transaction. */
  serializeMs: number;
  /** Time from asking for the transaction to its commit: what the commits queued behind it wait. */
  transactionMs: number;
}

const DEFAULTS = { snapshotEvery: 500, cacheSize: 100 };

/**
 * The most ops replayed on the board's first snapshot to show a revision older than its newest snapshot: past it,
 * that revision counts as no longer kept, so that reading history never replays a long log in one go.
 */
const MAX_HISTORY_REPLAY = 20_000;

type Executor = Kysely<Database>;

/** Widget rows written per INSERT: a widget may be large, so a snapshot's rows go in a few statements. */
const WIDGETS_PER_STATEMENT = 25;

/**
 * A board this store holds in memory: its document, and the widgets of the newest snapshot this store wrote or
 * read. Documents are immutable and every op replaces the widget it touches, so a widget of `doc` that is the very
 * object in `stored` is unchanged since that snapshot: the next snapshot rewrites only the others. `stored` is
 * unset when the rows are unknown (a snapshot written whole, or a document that came from a commit alone): the next
 * snapshot then writes every widget.
 */
interface Held {
  doc: BoardDoc;
  stored?: Readonly<Record<string, Widget>>;
}
type Outcome =
  | { status: "ok"; snapshotRev: number }
  | { status: "duplicate"; entry: CommittedOp }
  | { status: "missing" }
  | { status: "stale" };

const toEntry = (row: Selectable<BoardOpsTable>): CommittedOp => ({
  rev: row.rev,
  opId: row.op_id,
  op: JSON.parse(row.op) as BoardOp,
  by: row.by_user,
  at: row.at,
});

/** A snapshot's row of one widget. */
const widgetRow = (doc: BoardDoc, w: Widget) => ({
  board_id: doc.id,
  widget_id: w.id,
  rev: doc.rev,
  widget: JSON.stringify(w),
});

/** Foreign-key violations: PostgreSQL's 23503, SQLite's SQLITE_CONSTRAINT_FOREIGNKEY. */
const isForeignKeyViolation = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
};

/**
 * Boards in the SQL system of record (SQLite or PostgreSQL). A board is a row with its head revision, its newest
 * snapshot, and the full op log after it; the current document is the snapshot with the log replayed on top.
 *
 * A commit is one transaction: move the head from `expectedRev` (a conditional UPDATE, which also serializes
 * commits of one board across instances), append the ops, deduped by opId by the table's unique constraint (a
 * repeated opId rolls the commit back and is answered with its original entry). It writes rows in proportion to the
 * ops, never the document; every `snapshotEvery` ops a snapshot of the document is written after the commit, off the
 * ack path.
 * A snapshot is the board without its widgets plus one row per widget, and it rewrites only the widgets that changed
 * since the snapshot before: its transaction, which holds SQLite's one connection, stays short on a large board.
 * The unique constraints on (board_id, op_id) and (board_id, rev) are the guard: a violation is answered as a
 * duplicate (with the original entry) or as a stale revision.
 *
 * `next` must be the document that the entries make of the board at `expectedRev`, as `BoardService` builds it:
 * it is what this store caches, and the log replayed on a snapshot is what it rebuilds.
 */
export class SqlBoardStore implements BoardStore, BoardArchive {
  private readonly snapshotEvery: number;
  private readonly cache: Lru<string, Held>;
  private readonly snapshots = new Map<string, Promise<void>>();
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly database: SqlDatabase,
    private readonly opts: SqlBoardStoreOptions = {},
  ) {
    this.snapshotEvery = Math.max(1, opts.snapshotEvery ?? DEFAULTS.snapshotEvery);
    this.cache = new Lru(opts.cacheSize ?? DEFAULTS.cacheSize);
    this.now = opts.now ?? Date.now;
  }

  private get db(): Executor {
    return this.database.db;
  }

  /** This store keeps every op: it has a trash and a full history. */
  get archive(): BoardArchive {
    return this;
  }

  async create(doc: BoardDoc): Promise<boolean> {
    // The first snapshot is written whole (a new board is small): history is computed from it.
    const snapshot = {
      header: { board_id: doc.id, rev: doc.rev, doc: JSON.stringify(doc), taken_at: this.now() },
      widgets: [],
    };
    const created = await writeTransaction(this.database, async (tx) => {
      const inserted = await tx
        .insertInto("boards")
        .values({
          id: doc.id,
          owner: doc.owner,
          rev: doc.rev,
          snapshot_rev: doc.rev,
          created_at: doc.createdAt,
          updated_at: doc.updatedAt,
        })
        .onConflict((oc) => oc.column("id").doNothing())
        .returning("id")
        .executeTakeFirst();
      if (!inserted) return false;
      await this.insertSnapshot(tx, snapshot);
      const members = [...new Set([doc.owner, ...Object.keys(doc.members)])];
      await tx
        .insertInto("board_members")
        .values(members.map((user_name) => ({ board_id: doc.id, user_name })))
        .execute();
      return true;
    });
    // No widget rows yet: the next snapshot writes them all.
    if (created) this.cache.set(doc.id, { doc });
    return created;
  }

  async load(boardId: string): Promise<BoardDoc | undefined> {
    const head = await this.db
      .selectFrom("boards")
      .select("rev")
      .where("id", "=", boardId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (!head) {
      this.cache.delete(boardId);
      return undefined;
    }
    return this.headAt(boardId, head.rev);
  }

  /** The document at `rev` (or newer): the cached copy caught up, else the snapshot replayed. */
  private async headAt(boardId: string, rev: number): Promise<BoardDoc | undefined> {
    const held = this.cache.get(boardId);
    if (held && held.doc.rev >= rev) return held.doc;
    if (held) {
      const caughtUp = await this.replay(held.doc, rev);
      if (caughtUp) {
        // A commit may have moved it further meanwhile.
        if (caughtUp.rev > held.doc.rev) held.doc = caughtUp;
        return caughtUp;
      }
    }
    const read = await this.readSnapshot(boardId);
    // No snapshot, or a log with a gap: the board was deleted while being read.
    if (!read) return undefined;
    // Unless a commit meanwhile left a newer copy.
    const current = this.cache.peek(boardId);
    if (!current || current.doc.rev < read.doc.rev) this.cache.set(boardId, read);
    return read.doc;
  }

  /**
   * The board from its newest snapshot and the log after it (up to `untilRev`, else its head), read in one
   * transaction so that the parts agree even while another instance writes a newer snapshot. Undefined when the
   * newest snapshot is newer than `untilRev`.
   */
  private async readSnapshot(boardId: string, untilRev?: number): Promise<Held | undefined> {
    let tx = this.db.transaction();
    if (this.database.dialect === "postgres") tx = tx.setIsolationLevel("repeatable read");
    const rows = await tx.execute(async (db) => {
      const head = await db
        .selectFrom("boards")
        .select(["rev", "snapshot_rev"])
        .where("id", "=", boardId)
        .executeTakeFirst();
      if (!head) return undefined;
      const snapshot = await db
        .selectFrom("board_snapshots")
        .select(["doc", "rev"])
        .where("board_id", "=", boardId)
        .where("rev", "=", head.snapshot_rev)
        .executeTakeFirst();
      if (!snapshot || (untilRev !== undefined && snapshot.rev > untilRev)) return undefined;
      const until = Math.min(head.rev, untilRev ?? head.rev);
      const widgets = await db
        .selectFrom("board_snapshot_widgets")
        .select("widget")
        .where("board_id", "=", boardId)
        .execute();
      const ops = await db
        .selectFrom("board_ops")
        .selectAll()
        .where("board_id", "=", boardId)
        .where("rev", ">", snapshot.rev)
        .where("rev", "<=", until)
        .orderBy("rev")
        .execute();
      return { until, snapshot, widgets, ops };
    });
    if (!rows) return undefined;
    const base = JSON.parse(rows.snapshot.doc) as Omit<BoardDoc, "widgets"> & {
      widgets?: BoardDoc["widgets"];
    };
    let held: Held;
    if (base.widgets) {
      // Written whole: the widget rows, if any, are not this snapshot's.
      held = { doc: base as BoardDoc };
    } else {
      const widgets: Record<string, Widget> = {};
      for (const row of rows.widgets) {
        const widget = JSON.parse(row.widget) as Widget;
        Object.defineProperty(widgets, widget.id, {
          value: widget,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      held = { doc: { ...base, widgets }, stored: widgets };
    }
    const doc = this.applyRows(held.doc, rows.ops, rows.until);
    return doc ? { ...held, doc } : undefined;
  }

  /**
   * The board as it stood at `rev`: from its newest snapshot when that is not newer than `rev`, else from its first
   * one (written whole at its creation) with at most MAX_HISTORY_REPLAY ops replayed; undefined past that.
   */
  private async fromSnapshot(boardId: string, rev: number): Promise<BoardDoc | undefined> {
    const newest = await this.readSnapshot(boardId, rev);
    if (newest) return newest.doc;
    const first = await this.db
      .selectFrom("board_snapshots")
      .select(["doc", "rev"])
      .where("board_id", "=", boardId)
      .orderBy("rev")
      .limit(1)
      .executeTakeFirst();
    if (!first || first.rev > rev || rev - first.rev > MAX_HISTORY_REPLAY) return undefined;
    const base = JSON.parse(first.doc) as Partial<BoardDoc>;
    // A first snapshot written in parts: its widgets have been replaced since.
    if (!base.widgets) return undefined;
    return this.replay(base as BoardDoc, rev);
  }

  /** `doc` with the logged ops after it applied up to `rev`; undefined when the log does not cover them. */
  private async replay(doc: BoardDoc, rev: number): Promise<BoardDoc | undefined> {
    if (doc.rev === rev) return doc;
    const rows = await this.db
      .selectFrom("board_ops")
      .selectAll()
      .where("board_id", "=", doc.id)
      .where("rev", ">", doc.rev)
      .where("rev", "<=", rev)
      .orderBy("rev")
      .execute();
    return this.applyRows(doc, rows, rev);
  }

  /** `doc` with `rows` applied, which must be the log from just after it up to `rev`; undefined when not. */
  private applyRows(doc: BoardDoc, rows: Selectable<BoardOpsTable>[], rev: number): BoardDoc | undefined {
    let next = doc;
    for (const row of rows) {
      if (row.rev !== next.rev + 1) return undefined;
      const entry = toEntry(row);
      next = applyOp(next, entry.op, entry.rev, { by: entry.by, at: entry.at });
    }
    return next.rev === rev ? next : undefined;
  }

  async commit(
    boardId: string,
    expectedRev: number,
    next: BoardDoc,
    entries: CommittedOp[],
    audit: AuditRecord[] = [],
  ): Promise<CommitResult> {
    assertCommitShape(expectedRev, entries);
    let outcome: Outcome;
    try {
      outcome = await writeTransaction(this.database, async (tx) => {
        const done = await this.commitIn(tx, boardId, expectedRev, next, entries);
        if (done.status === "ok") for (const record of audit) await insertAudit(tx, record);
        return done;
      });
    } catch (err) {
      // The constraints caught what the checks did not: answered as the checks answer.
      if (!isUniqueViolation(err)) throw err;
      const entry = await this.firstCommitted(this.db, boardId, entries);
      outcome = entry ? { status: "duplicate", entry } : { status: "stale" };
    }
    if (outcome.status === "ok") {
      const held = this.cache.peek(boardId);
      if (held) held.doc = next;
      else this.cache.set(boardId, { doc: next });
      if (next.rev - outcome.snapshotRev >= this.snapshotEvery) this.snapshotSoon(boardId);
      return { status: "ok" };
    }
    if (outcome.status !== "stale") return outcome;
    const current = await this.load(boardId);
    return current ? { status: "stale", rev: current.rev, current } : { status: "missing" };
  }

  private async commitIn(
    tx: Executor,
    boardId: string,
    expectedRev: number,
    next: BoardDoc,
    entries: CommittedOp[],
  ): Promise<Outcome> {
    // No lookup of the opIds first: a repeated one breaks the unique (board_id, op_id) constraint on insert, which
    // rolls the whole commit back and is answered in `commit` as the lookup would have answered it. A resend is
    // rare; one statement fewer on every commit is not.
    const head = await tx
      .updateTable("boards")
      .set({ rev: expectedRev + entries.length, updated_at: next.updatedAt })
      .where("id", "=", boardId)
      .where("rev", "=", expectedRev)
      .where("deleted_at", "is", null)
      .returning("snapshot_rev")
      .executeTakeFirst();
    if (!head) {
      const exists = await tx
        .selectFrom("boards")
        .select("id")
        .where("id", "=", boardId)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (!exists) return { status: "missing" };
      // PostgreSQL: another instance may have committed these very ops while this one waited for the row.
      const entry = await this.firstCommitted(tx, boardId, entries);
      return entry ? { status: "duplicate", entry } : { status: "stale" };
    }
    if (entries.length > 0)
      await tx
        .insertInto("board_ops")
        .values(
          entries.map((e) => ({
            board_id: boardId,
            rev: e.rev,
            op_id: e.opId,
            op: JSON.stringify(e.op),
            by_user: e.by,
            at: e.at,
          })),
        )
        .execute();
    // The member index moves with the commit that changes a membership, so a board shared with someone is in
    // their list as soon as the change is acknowledged.
    const touched = new Set(entries.flatMap((e) => (e.op.type === "member.set" ? [e.op.user] : [])));
    for (const user of touched) await indexIn(tx, boardId, user, roleOf(next, user) !== undefined);
    const retention = this.opts.logRetention;
    if (retention !== undefined) {
      const keepFrom = Math.min(expectedRev + entries.length - retention, head.snapshot_rev);
      await tx.deleteFrom("board_ops").where("board_id", "=", boardId).where("rev", "<=", keepFrom).execute();
    }
    return { status: "ok", snapshotRev: head.snapshot_rev };
  }

  /** The first of `entries` (in their order) whose opId this board has committed before, as committed. */
  private async firstCommitted(
    db: Executor,
    boardId: string,
    entries: CommittedOp[],
  ): Promise<CommittedOp | undefined> {
    if (entries.length === 0) return undefined;
    const rows = await db
      .selectFrom("board_ops")
      .selectAll()
      .where("board_id", "=", boardId)
      .where(
        "op_id",
        "in",
        entries.map((e) => e.opId),
      )
      .execute();
    if (rows.length === 0) return undefined;
    const byOpId = new Map(rows.map((r) => [r.op_id, r]));
    for (const e of entries) {
      const row = byOpId.get(e.opId);
      if (row) return toEntry(row);
    }
    return undefined;
  }

  /**
   * Writes the board's document as its newest snapshot after the commit that produced it, off the ack path; a
   * failure only postpones the snapshot to the next commit that asks for one.
   */
  private snapshotSoon(boardId: string): void {
    // One at a time per board: the commits behind it ask again once it is written.
    const held = this.cache.peek(boardId);
    if (this.closed || !held || this.snapshots.has(boardId)) return;
    const run = this.writeSnapshot(held)
      .catch((err: unknown) => this.opts.logger?.warn({ err, board: boardId }, "board snapshot failed"))
      .finally(() => {
        if (this.snapshots.get(boardId) === run) this.snapshots.delete(boardId);
      });
    this.snapshots.set(boardId, run);
  }

  /**
   * The snapshot of `held.doc`: the board's row moves its snapshot forward (only forward, and only for a board that
   * still exists), the widgets that changed since the stored ones are written and the removed ones deleted, and the
   * board without its widgets replaces the previous snapshot's. Serialised before the transaction, so that the
   * transaction only writes.
   */
  private async writeSnapshot(held: Held): Promise<void> {
    const { doc, stored } = held;
    const changed = Object.values(doc.widgets).filter((w) => !stored || own(stored, w.id) !== w);
    const removed = stored ? Object.keys(stored).filter((id) => !own(doc.widgets, id)) : [];
    const serializing = performance.now();
    const parts = this.snapshotRows(doc, changed);
    const started = performance.now();
    const written = await writeTransaction(this.database, async (tx) => {
      const moved = await tx
        .updateTable("boards")
        .set({ snapshot_rev: doc.rev })
        .where("id", "=", doc.id)
        .where("snapshot_rev", "<", doc.rev)
        .where("rev", ">=", doc.rev)
        .returning("id")
        .executeTakeFirst();
      if (!moved) return false;
      // Rows of unknown origin are replaced whole.
      if (!stored) await tx.deleteFrom("board_snapshot_widgets").where("board_id", "=", doc.id).execute();
      for (let i = 0; i < removed.length; i += 500)
        await tx
          .deleteFrom("board_snapshot_widgets")
          .where("board_id", "=", doc.id)
          .where("widget_id", "in", removed.slice(i, i + 500))
          .execute();
      await this.insertSnapshot(tx, parts);
      // The board's first snapshot stays, written whole at its creation: with the full log after it, it is what the
      // history of revisions older than the newest snapshot is computed from.
      const first = await tx
        .selectFrom("board_snapshots")
        .select((eb) => eb.fn.min<number>("rev").as("rev"))
        .where("board_id", "=", doc.id)
        .executeTakeFirst();
      await tx
        .deleteFrom("board_snapshots")
        .where("board_id", "=", doc.id)
        .where("rev", "<", doc.rev)
        .where("rev", ">", first?.rev ?? -1)
        .execute();
      return true;
    });
    // These widgets are now the stored ones, for the document this store still holds (not for a board released or
    // read again meanwhile, whose entry is another).
    if (written && this.cache.peek(doc.id) === held) held.stored = doc.widgets;
    if (written)
      this.opts.onSnapshot?.({
        boardId: doc.id,
        rev: doc.rev,
        widgets: parts.widgets.length,
        chars: parts.header.doc.length + parts.widgets.reduce((n, w) => n + w.widget.length, 0),
        serializeMs: started - serializing,
        transactionMs: performance.now() - started,
      });
  }

  /** The rows of a snapshot of `doc`: the board without its widgets, and the given widgets. */
  private snapshotRows(doc: BoardDoc, widgets: Widget[]) {
    return {
      header: {
        board_id: doc.id,
        rev: doc.rev,
        doc: JSON.stringify({ ...doc, widgets: undefined }),
        taken_at: this.now(),
      },
      widgets: widgets.map((w) => widgetRow(doc, w)),
    };
  }

  private async insertSnapshot(
    tx: Executor,
    parts: ReturnType<SqlBoardStore["snapshotRows"]>,
  ): Promise<void> {
    await tx
      .insertInto("board_snapshots")
      .values(parts.header)
      .onConflict((oc) => oc.columns(["board_id", "rev"]).doNothing())
      .execute();
    await this.upsertWidgets(tx, parts.widgets);
  }

  private async upsertWidgets(tx: Executor, rows: ReturnType<typeof widgetRow>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += WIDGETS_PER_STATEMENT)
      await tx
        .insertInto("board_snapshot_widgets")
        .values(rows.slice(i, i + WIDGETS_PER_STATEMENT))
        .onConflict((oc) =>
          oc.columns(["board_id", "widget_id"]).doUpdateSet((eb) => ({
            rev: eb.ref("excluded.rev"),
            widget: eb.ref("excluded.widget"),
          })),
        )
        .execute();
  }

  async committed(boardId: string, opId: string): Promise<CommittedOp | undefined> {
    const row = await this.db
      .selectFrom("board_ops")
      .selectAll()
      .where("board_id", "=", boardId)
      .where("op_id", "=", opId)
      .executeTakeFirst();
    return row ? toEntry(row) : undefined;
  }

  async entriesSince(boardId: string, sinceRev: number, limit: number): Promise<CommittedOp[] | undefined> {
    const head = await this.db
      .selectFrom("boards")
      .select("rev")
      .where("id", "=", boardId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (!head) return undefined;
    if (sinceRev >= head.rev) return [];
    const rows = await this.db
      .selectFrom("board_ops")
      .selectAll()
      .where("board_id", "=", boardId)
      .where("rev", ">", sinceRev)
      .where("rev", "<=", head.rev)
      .orderBy("rev")
      .limit(Math.max(0, limit))
      .execute();
    if (rows[0]?.rev !== sinceRev + 1) return undefined;
    return rows.map(toEntry);
  }

  /** Moves the board to its owner's trash: it loads as gone, its log and snapshots stay until it is purged. */
  async delete(boardId: string, audit?: AuditRecord): Promise<void> {
    await this.snapshots.get(boardId);
    await writeTransaction(this.database, async (tx) => {
      const result = await tx
        .updateTable("boards")
        .set({ deleted_at: this.now() })
        .where("id", "=", boardId)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n && audit) await insertAudit(tx, audit);
    });
    this.cache.delete(boardId);
  }

  async deletedOf(owner: string): Promise<DeletedBoardRecord[]> {
    const rows = await this.db
      .selectFrom("boards")
      .select(["id", "rev", "deleted_at"])
      .where("owner", "=", owner)
      .where("deleted_at", "is not", null)
      .orderBy("deleted_at", "desc")
      .execute();
    const records = await Promise.all(
      rows.map(async (row) => {
        const doc = await this.fromSnapshot(row.id, row.rev);
        return doc && { doc, deletedAt: row.deleted_at! };
      }),
    );
    return records.filter((r): r is DeletedBoardRecord => r !== undefined);
  }

  async restore(boardId: string, owner: string, audit?: AuditRecord): Promise<BoardDoc | undefined> {
    const restored = await writeTransaction(this.database, async (tx) => {
      const row = await tx
        .updateTable("boards")
        .set({ deleted_at: null })
        .where("id", "=", boardId)
        .where("owner", "=", owner)
        .where("deleted_at", "is not", null)
        .returning("rev")
        .executeTakeFirst();
      if (row && audit) await insertAudit(tx, audit);
      return row;
    });
    return restored && this.load(boardId);
  }

  async purgeDeletedBefore(at: number): Promise<number> {
    // The log, snapshots and member index go with the board (ON DELETE CASCADE).
    const purged = await this.db.deleteFrom("boards").where("deleted_at", "<", at).executeTakeFirst();
    return Number(purged.numDeletedRows);
  }

  async history(boardId: string, beforeRev: number, limit: number): Promise<CommittedOp[]> {
    const rows = await this.db
      .selectFrom("board_ops")
      .selectAll()
      .where("board_id", "=", boardId)
      .where("rev", "<", beforeRev)
      .orderBy("rev", "desc")
      .limit(Math.max(0, limit))
      .execute();
    return rows.map(toEntry);
  }

  async docAt(boardId: string, rev: number): Promise<BoardDoc | undefined> {
    const held = this.cache.peek(boardId);
    if (held?.doc.rev === rev) return held.doc;
    return this.fromSnapshot(boardId, rev);
  }

  async boardIdsOf(user: string): Promise<string[]> {
    // A board in the trash keeps its index rows, so that a restore brings it back to every member's list as it was.
    const rows = await this.db
      .selectFrom("board_members")
      .innerJoin("boards", "boards.id", "board_members.board_id")
      .select("board_members.board_id")
      .where("board_members.user_name", "=", user)
      .where("boards.deleted_at", "is", null)
      .orderBy("board_members.board_id")
      .execute();
    return rows.map((r) => r.board_id);
  }

  async indexMember(user: string, boardId: string, member: boolean): Promise<void> {
    try {
      await indexIn(this.db, boardId, user, member);
    } catch (err) {
      // The board was deleted meanwhile: there is nothing to index.
      if (!isForeignKeyViolation(err)) throw err;
    }
  }

  /**
   * Forgets the board's document (nobody has it open here any more); the next read rebuilds it from the database.
   * A snapshot being written finishes without it.
   */
  release(boardId: string): void {
    this.cache.delete(boardId);
  }

  /** Whether this store holds the board's document in memory. */
  holds(boardId: string): boolean {
    return this.cache.peek(boardId) !== undefined;
  }

  /** The boards whose documents this store holds in memory. */
  held(): string[] {
    return this.cache.keys();
  }

  /** Waits for the snapshots being written; the database itself belongs to whoever opened it. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.snapshots.values()]);
  }
}

/** Adds `user` to the board's member index, or takes them out of it. */
async function indexIn(db: Executor, boardId: string, user: string, member: boolean): Promise<void> {
  if (!member) {
    await db
      .deleteFrom("board_members")
      .where("board_id", "=", boardId)
      .where("user_name", "=", user)
      .execute();
    return;
  }
  await db
    .insertInto("board_members")
    .values({ board_id: boardId, user_name: user })
    .onConflict((oc) => oc.columns(["board_id", "user_name"]).doNothing())
    .execute();
}
