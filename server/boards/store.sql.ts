import type { Kysely, Selectable } from "kysely";
import { applyOp } from "@/lib/boards/apply";
import { insertAudit, type AuditRecord } from "../audit/audit-log";
import { roleOf, type BoardDoc } from "@/lib/boards/types";
import type { BoardOp, CommittedOp } from "@/lib/protocol/boards";
import type { SqlDatabase } from "../db/open";
import type { BoardOpsTable, Database } from "../db/schema";
import { isUniqueViolation, writeTransaction } from "../db/transaction";
import type { Logger } from "../logging/logger";
import { Lru } from "../util/lru";
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
  /** Documents kept in memory, by board, to spare a replay; each is checked against the head revision first. */
  cacheSize?: number;
  logger?: Logger;
  now?: () => number;
}

const DEFAULTS = { snapshotEvery: 500, cacheSize: 100 };

type Executor = Kysely<Database>;
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

/** Foreign-key violations: PostgreSQL's 23503, SQLite's SQLITE_CONSTRAINT_FOREIGNKEY. */
const isForeignKeyViolation = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
};

/**
 * Boards in the SQL system of record (SQLite or PostgreSQL). A board is a row with its head revision, its newest
 * snapshot, and the full op log after it; the current document is the snapshot with the log replayed on top.
 *
 * A commit is one transaction: dedupe by opId, move the head from `expectedRev` (a conditional UPDATE, which also
 * serializes commits of one board across instances), append the ops. It writes rows in proportion to the ops, never
 * the document; every `snapshotEvery` ops a snapshot of the document is written after the commit, off the ack path.
 * The unique constraints on (board_id, op_id) and (board_id, rev) are the final guard: a violation is answered as
 * the dedupe or revision check would have answered it.
 *
 * `next` must be the document that the entries make of the board at `expectedRev`, as `BoardService` builds it:
 * it is what this store caches, and the log replayed on a snapshot is what it rebuilds.
 */
export class SqlBoardStore implements BoardStore, BoardArchive {
  private readonly snapshotEvery: number;
  private readonly cache: Lru<string, BoardDoc>;
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
      await tx
        .insertInto("board_snapshots")
        .values({ board_id: doc.id, rev: doc.rev, doc: JSON.stringify(doc), taken_at: this.now() })
        .execute();
      const members = [...new Set([doc.owner, ...Object.keys(doc.members)])];
      await tx
        .insertInto("board_members")
        .values(members.map((user_name) => ({ board_id: doc.id, user_name })))
        .execute();
      return true;
    });
    if (created) this.cache.set(doc.id, doc);
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

  /** The document at `rev` (or newer, from the cache): the cached copy caught up, else the snapshot replayed. */
  private async headAt(boardId: string, rev: number): Promise<BoardDoc | undefined> {
    const cached = this.cache.get(boardId);
    if (cached && cached.rev >= rev) return cached;
    if (cached) {
      const caughtUp = await this.replay(cached, rev);
      if (caughtUp) {
        this.cache.set(boardId, caughtUp);
        return caughtUp;
      }
    }
    // No snapshot, or a log with a gap: the board was deleted while being read.
    const doc = await this.fromSnapshot(boardId, rev);
    if (doc) this.cache.set(boardId, doc);
    return doc;
  }

  /** The newest snapshot at or before `rev` with the log replayed on it up to `rev`. */
  private async fromSnapshot(boardId: string, rev: number): Promise<BoardDoc | undefined> {
    const snapshot = await this.db
      .selectFrom("board_snapshots")
      .select(["doc", "rev"])
      .where("board_id", "=", boardId)
      .where("rev", "<=", rev)
      .orderBy("rev", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!snapshot) return undefined;
    return this.replay(JSON.parse(snapshot.doc) as BoardDoc, rev);
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
      this.cache.set(boardId, next);
      if (next.rev - outcome.snapshotRev >= this.snapshotEvery) this.snapshotSoon(next);
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
    const earlier = await this.firstCommitted(tx, boardId, entries);
    if (earlier) return { status: "duplicate", entry: earlier };
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
   * Writes `doc` as the board's newest snapshot after the commit that produced it, off the ack path; a failure only
   * postpones the snapshot to the next commit that asks for one.
   */
  private snapshotSoon(doc: BoardDoc): void {
    // One at a time per board: the commits behind it ask again once it is written.
    if (this.closed || this.snapshots.has(doc.id)) return;
    const run = this.writeSnapshot(doc)
      .catch((err: unknown) => this.opts.logger?.warn({ err, board: doc.id }, "board snapshot failed"))
      .finally(() => {
        if (this.snapshots.get(doc.id) === run) this.snapshots.delete(doc.id);
      });
    this.snapshots.set(doc.id, run);
  }

  private async writeSnapshot(doc: BoardDoc): Promise<void> {
    await writeTransaction(this.database, async (tx) => {
      // Only forward, and only for a board that still exists.
      const moved = await tx
        .updateTable("boards")
        .set({ snapshot_rev: doc.rev })
        .where("id", "=", doc.id)
        .where("snapshot_rev", "<", doc.rev)
        .where("rev", ">=", doc.rev)
        .returning("id")
        .executeTakeFirst();
      if (!moved) return;
      await tx
        .insertInto("board_snapshots")
        .values({ board_id: doc.id, rev: doc.rev, doc: JSON.stringify(doc), taken_at: this.now() })
        .onConflict((oc) => oc.columns(["board_id", "rev"]).doNothing())
        .execute();
      // The board's first snapshot stays: with the full log after it, it is what history is computed from.
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
    });
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
    const cached = this.cache.get(boardId);
    if (cached?.rev === rev) return cached;
    return this.fromSnapshot(boardId, rev);
  }

  async boardIdsOf(user: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("board_members")
      .select("board_id")
      .where("user_name", "=", user)
      .orderBy("board_id")
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
