import { randomBytes } from "node:crypto";
import { applyOp, checkOp, mergeConcurrentEdit, newBoard } from "@/lib/boards/apply";
import { newMentions } from "@/lib/boards/mentions";
import {
  roleOf,
  summarize,
  widgetIn,
  type BoardDoc,
  type BoardRole,
  type BoardSummary,
} from "@/lib/boards/types";
import { priorOf, type HistoryEntry } from "@/lib/boards/history";
import {
  SUGGEST_LIMIT,
  type BoardOp,
  type CommittedOp,
  type DeletedBoard,
  type SyncResult,
  type UserSuggestion,
} from "@/lib/protocol/boards";
import { AppError } from "@/lib/protocol/errors";
import { boardRestoredRecord, type AuditActor, type AuditRecord } from "../audit/audit-log";
import type { UserStore } from "../auth/user-store";
import type { Logger } from "../logging/logger";
import type { NotificationService } from "../notifications/service";
import { KeyedMutex } from "../util/keyed-mutex";
import { Lru } from "../util/lru";
import type { BoardArchive, BoardStore } from "./store";

const MAX_ATTEMPTS = 50;
/** Time all note merges of one batch may take together (see `chain`). */
const MERGE_BUDGET_MS = 50;

/** Ops committed in one step at most; a longer queue takes several. */
const MAX_BATCH = 100;
const SYNC_BATCH = 500;
/** How long a deleted board stays in its owner's trash. */
export const TRASH_DAYS = 30;
const TRASH_MS = TRASH_DAYS * 24 * 60 * 60 * 1000;

export interface ApplyResult {
  entry: CommittedOp;
  doc: BoardDoc;
  /** The opId had been applied before; `entry` is the original. */
  duplicate: boolean;
}

interface Pending {
  user: string;
  /** Where the op came from, for the audit log (sharing and role changes). */
  from?: AuditActor;
  opId: string;
  op: BoardOp;
  resolve(result: ApplyResult): void;
  reject(err: unknown): void;
}

export interface BoardServiceDeps {
  store: BoardStore;
  users: Pick<UserStore, "get" | "namesStartingWith">;
  notifications?: Pick<NotificationService, "notifyQuietly">;
  logger: Logger;
  now?: () => number;
}

/**
 * Every change to a board goes through `apply`: dedupe by opId, authorize, check for conflicts, apply, and commit
 * atomically at the next revision, retrying when another instance committed first. Ops of one board are
 * serialized within this instance.
 */
export class BoardService {
  private readonly mutex = new KeyedMutex();
  private readonly cache = new Lru<string, BoardDoc>(1_000);
  private readonly queues = new Map<string, Pending[]>();
  /** Ops queued or being committed, by board and opId: a resent copy waits for the original instead of racing it. */
  private readonly inFlight = new Map<string, Promise<ApplyResult>>();
  private readonly now: () => number;

  constructor(private readonly deps: BoardServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  async create(owner: string, title: string): Promise<BoardSummary> {
    for (;;) {
      const doc = newBoard({ id: randomBytes(8).toString("base64url"), title, owner, at: this.now() });
      if (await this.deps.store.create(doc)) return summarize(doc, owner)!;
    }
  }

  async list(user: string): Promise<BoardSummary[]> {
    const ids = await this.deps.store.boardIdsOf(user);
    const docs = await Promise.all(ids.map((id) => this.deps.store.load(id)));
    return docs
      .map((doc) => (doc ? summarize(doc, user) : undefined))
      .filter((s): s is BoardSummary => s !== undefined)
      .sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /**
   * Names for the share dialog that start with `prefix`: the people `user` already shares boards with (owners and
   * members of the user's boards) first, then, for a prefix of two characters or more, other users. Never `user`.
   * What it reveals is what a signed-in user can learn already: their boards' members, and whether a name exists
   * (sharing with an unknown name says so); it lists at most `SUGGEST_LIMIT` names a call, under the rate limit.
   */
  async suggestUsers(user: string, prefix: string): Promise<UserSuggestion[]> {
    const colleagues = new Set<string>();
    for (const id of await this.deps.store.boardIdsOf(user)) {
      const doc = this.cache.get(id) ?? (await this.deps.store.load(id));
      if (!doc || !roleOf(doc, user)) continue;
      for (const name of [doc.owner, ...Object.keys(doc.members)]) colleagues.add(name);
    }
    colleagues.delete(user);
    const out: UserSuggestion[] = [...colleagues]
      .filter((n) => n.startsWith(prefix))
      .sort()
      .slice(0, SUGGEST_LIMIT)
      .map((name) => ({ name, colleague: true }));
    if (prefix.length < 2 || out.length >= SUGGEST_LIMIT) return out;
    // Enough names for the rest of the list even when the user and every colleague shown are among them.
    const others = (await this.deps.users.namesStartingWith(prefix, SUGGEST_LIMIT + out.length + 1)).filter(
      (n) => n !== user && !colleagues.has(n),
    );
    for (const name of others.slice(0, SUGGEST_LIMIT - out.length)) out.push({ name, colleague: false });
    return out;
  }

  /** The current board and the user's role; NOT_FOUND for non-members too, so ids cannot be probed. */
  async open(user: string, boardId: string): Promise<{ doc: BoardDoc; role: BoardRole }> {
    const doc = await this.deps.store.load(boardId);
    const role = doc ? roleOf(doc, user) : undefined;
    if (!doc || !role)
      throw new AppError("NOT_FOUND", "no such board, or it is not shared with you", { boardId });
    this.cache.set(boardId, doc);
    return { doc, role };
  }

  /** The board without an access check, for the server's own features (feeds); possibly a little stale. */
  async peek(boardId: string): Promise<BoardDoc | undefined> {
    const cached = this.cache.get(boardId);
    if (cached) return cached;
    const doc = await this.deps.store.load(boardId);
    if (doc) this.cache.set(boardId, doc);
    return doc;
  }

  /**
   * Forgets the board's document, here and in the store, once the commit in flight (if any) is done: nobody on this
   * instance has it open. The next read loads it from the database.
   */
  release(boardId: string): Promise<void> {
    return this.mutex.run(boardId, () => {
      this.cache.delete(boardId);
      this.deps.store.release?.(boardId);
      return Promise.resolve();
    });
  }

  /** The boards whose documents this instance holds in memory (its own cache or the store's). */
  inMemory(): string[] {
    return [...new Set([...this.cache.keys(), ...(this.deps.store.held?.() ?? [])])];
  }

  async sync(user: string, boardId: string, sinceRev: number): Promise<SyncResult> {
    const { doc } = await this.open(user, boardId);
    if (sinceRev >= doc.rev) return { rev: doc.rev, entries: [] };
    const entries = await this.deps.store.entriesSince(boardId, sinceRev, SYNC_BATCH);
    // A snapshot when the log does not reach back, or when replaying would cost more than sending the board.
    if (!entries || entries.length === 0 || doc.rev - sinceRev > SYNC_BATCH)
      return { rev: doc.rev, snapshot: doc };
    return { rev: entries[entries.length - 1]!.rev, entries };
  }

  /**
   * Ops of one board queue up while the previous commit is in flight, and the queue is committed in one step:
   * without it every op waits for the round trip of the one before, and a busy board's throughput is one op per
   * round trip (plus whatever else the event loop has to do before it sees the reply).
   */
  apply(user: string, boardId: string, opId: string, op: BoardOp, from?: AuditActor): Promise<ApplyResult> {
    // A client whose ack timed out resends under the same opId, possibly while the original still waits in the
    // queue or is being committed. The copy gets the original's outcome: one entry, never a second commit, and
    // never a CONFLICT with itself.
    const key = `${boardId}\n${user}\n${opId}`;
    const original = this.inFlight.get(key);
    if (original) return original.then((result) => ({ ...result, duplicate: true }));
    const result = new Promise<ApplyResult>((resolve, reject) => {
      let queue = this.queues.get(boardId);
      const idle = !queue;
      if (!queue) this.queues.set(boardId, (queue = []));
      queue.push({ user, opId, op, resolve, reject, from });
      if (idle) void this.drain(boardId);
    });
    this.inFlight.set(key, result);
    const done = () => {
      if (this.inFlight.get(key) === result) this.inFlight.delete(key);
    };
    result.then(done, done);
    return result;
  }

  private async drain(boardId: string): Promise<void> {
    for (;;) {
      const queue = this.queues.get(boardId)!;
      if (queue.length === 0) {
        this.queues.delete(boardId);
        return;
      }
      const batch = queue.splice(0, batchLength(queue));
      await this.mutex
        .run(boardId, () => this.applyBatch(boardId, batch))
        .catch((err: unknown) => {
          for (const p of batch) p.reject(err);
        });
    }
  }

  /** A CONFLICT says who made the change that won (`details.by`), so the loser's view can name them. */
  private async namingAuthor(boardId: string, err: unknown): Promise<unknown> {
    if (!(err instanceof AppError) || err.code !== "CONFLICT" || typeof err.details?.rev !== "number")
      return err;
    const rev = err.details.rev;
    const entry = rev > 0 ? (await this.deps.store.entriesSince(boardId, rev - 1, 1))?.[0] : undefined;
    if (!entry || entry.rev !== rev) return err;
    return new AppError(err.code, err.message, { ...err.details, by: entry.by });
  }

  private async applyBatch(boardId: string, batch: Pending[]): Promise<void> {
    const { store } = this.deps;
    for (const p of [...batch]) {
      if (p.op.type === "member.set" && p.op.role && !(await this.deps.users.get(p.op.user))) {
        p.reject(new AppError("NOT_FOUND", `there is no user named "${p.op.user}"`, { user: p.op.user }));
        batch.splice(batch.indexOf(p), 1);
      }
    }
    let doc = this.cache.get(boardId);
    let fresh = doc === undefined;
    doc ??= await store.load(boardId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS && batch.length > 0; attempt++) {
      if (!doc) {
        this.cache.delete(boardId);
        throw new AppError("NOT_FOUND", "no such board, or it was deleted", { boardId });
      }
      const { accepted, refused, next } = this.chain(doc, batch);
      // A refusal must rest on the current board, not on a cached copy another instance has moved past.
      if (refused.length > 0 && !fresh) {
        doc = await store.load(boardId);
        fresh = true;
        continue;
      }
      for (const { p, err } of refused) {
        batch.splice(batch.indexOf(p), 1);
        // A resent op that was applied before may no longer pass (its own change moved the field on): it gets its
        // original ack. Accepted ops need no such lookup, since the commit itself dedupes by opId.
        const earlier = await store.committed(boardId, p.opId);
        if (earlier) await this.settleDuplicate(boardId, p, earlier);
        else p.reject(await this.namingAuthor(boardId, err));
      }
      if (accepted.length === 0) return;
      const result = await store.commit(
        boardId,
        doc.rev,
        next,
        accepted.map((a) => a.entry),
        accepted.flatMap((a) => memberAudit(a.before, a.entry, a.p.from)),
      );
      if (result.status === "ok") {
        this.cache.set(boardId, next);
        // In revision order: each caller publishes its op as its promise settles.
        for (const a of accepted) {
          this.afterCommit(a.before, a.after, a.entry);
          a.p.resolve({ entry: a.entry, doc: a.after, duplicate: false });
        }
        return;
      }
      if (result.status === "duplicate") {
        const p = batch.find((x) => x.opId === result.entry.opId);
        if (p) {
          batch.splice(batch.indexOf(p), 1);
          await this.settleDuplicate(boardId, p, result.entry);
        }
        continue;
      }
      if (result.status === "missing") {
        this.cache.delete(boardId);
        throw new AppError("NOT_FOUND", "no such board, or it was deleted", { boardId });
      }
      // Another instance committed first: re-check on top of the board as it now stands, since a conflict may
      // now be real. Past a few collisions, a short random pause keeps two busy instances from colliding in step.
      doc = result.current;
      fresh = true;
      if (attempt >= 3) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
    }
    const busy = new AppError("UNAVAILABLE", "the board is too busy right now; retry with the same opId");
    for (const p of batch) p.reject(busy);
  }

  /** Applies the batch's ops one after another on top of `doc`, at consecutive revisions. */
  private chain(doc: BoardDoc, batch: Pending[]) {
    const accepted: { p: Pending; entry: CommittedOp; before: BoardDoc; after: BoardDoc }[] = [];
    const refused: { p: Pending; err: unknown }[] = [];
    let next = doc;
    // Merging note edits runs inside the board's commit, on the event loop: the whole batch shares one budget, and
    // an edit that does not fit gets CONFLICT rather than holding up every other board on this instance.
    const mergeBudget = { ms: MERGE_BUDGET_MS };
    for (const p of batch) {
      const role = roleOf(next, p.user);
      let op: BoardOp;
      try {
        op = mergeConcurrentEdit(next, p.op, role, mergeBudget);
        checkOp(next, op, role);
      } catch (err) {
        refused.push({ p, err });
        continue;
      }
      const rev = next.rev + 1;
      const at = this.now();
      const after = applyOp(next, op, rev, { by: p.user, at });
      accepted.push({ p, entry: { rev, opId: p.opId, op, by: p.user, at }, before: next, after });
      next = after;
    }
    return { accepted, refused, next };
  }

  /**
   * Answers a resend with the original entry. Only its author's copies get it: an opId that someone else's change
   * used is refused, so a guessed opId reveals nothing.
   */
  private async settleDuplicate(boardId: string, p: Pending, entry: CommittedOp): Promise<void> {
    if (entry.by !== p.user) {
      p.reject(
        new AppError("VALIDATION", "this opId was used by another change; send the change with a new opId"),
      );
      return;
    }
    const doc = this.cache.get(boardId) ?? (await this.deps.store.load(boardId));
    if (!doc) p.reject(new AppError("NOT_FOUND", "no such board, or it was deleted", { boardId }));
    else p.resolve({ entry, doc, duplicate: true });
  }

  /** Side effects of a committed op. They may fail without undoing the op: the op is already acknowledged. */
  private afterCommit(before: BoardDoc, after: BoardDoc, entry: CommittedOp): void {
    const { op, by } = entry;
    const link = `/boards/${after.id}`;
    // The store's commit has already moved the board into (or out of) the member's list.
    if (op.type === "member.set") {
      if (op.role && !roleOf(before, op.user)) {
        this.deps.notifications?.notifyQuietly(op.user, {
          kind: "share",
          title: `${by} shared “${after.title}” with you`,
          body: `You can ${op.role === "editor" ? "edit" : "view"} it.`,
          by,
          link,
        });
      }
    }
    if (op.type === "note.text") {
      const old = widgetIn(before, op.widgetId);
      const previous = old?.type === "note" ? old.data.text : "";
      for (const name of newMentions(previous, op.text)) {
        if (name === by || !roleOf(after, name)) continue;
        this.deps.notifications?.notifyQuietly(name, {
          kind: "mention",
          title: `${by} mentioned you in “${after.title}”`,
          body: excerptAround(op.text, `@${name}`),
          by,
          link,
        });
      }
    }
  }

  private archive(): BoardArchive {
    const { archive } = this.deps.store;
    if (!archive)
      throw new AppError(
        "VALIDATION",
        "this server keeps no board history or trash (it runs without a database)",
      );
    return archive;
  }

  /** The boards `user` deleted and can still restore, newest deletion first; expired ones are purged first. */
  async listDeleted(user: string): Promise<DeletedBoard[]> {
    const archive = this.deps.store.archive;
    if (!archive) return [];
    await this.purgeExpired();
    const records = await archive.deletedOf(user);
    return records.map(({ doc, deletedAt }) => ({
      id: doc.id,
      title: doc.title,
      widgets: Object.keys(doc.widgets).length,
      deletedAt,
      purgeAt: deletedAt + TRASH_MS,
    }));
  }

  /** Drops the boards deleted more than `TRASH_DAYS` ago; returns how many. */
  purgeExpired(): Promise<number> {
    return this.deps.store.archive?.purgeDeletedBefore(this.now() - TRASH_MS) ?? Promise.resolve(0);
  }

  /**
   * Brings a board back from its owner's trash, with its members, its history and its revision: the one place a
   * restore happens, audited in the restore's transaction. NOT_FOUND when it is not in `user`'s trash or was purged.
   */
  async restore(user: string, boardId: string, from?: AuditActor): Promise<BoardSummary> {
    const archive = this.archive();
    return this.mutex.run(boardId, async () => {
      await this.purgeExpired();
      const by = { actor: user, ip: from?.ip, method: from?.method };
      const doc = await archive.restore(boardId, user, boardRestoredRecord(by, { id: boardId }));
      if (!doc)
        throw new AppError("NOT_FOUND", "that board is not in your recently deleted boards", { boardId });
      // Its members' index rows stayed while it was in the trash: it is back in their lists with the restore.
      this.cache.set(boardId, doc);
      return summarize(doc, user)!;
    });
  }

  /**
   * A page of the board's history, newest first: the ops below `beforeRev` (the head when absent), each with
   * what it replaced (`prior`), for any member.
   */
  async history(
    user: string,
    boardId: string,
    beforeRev: number | undefined,
    limit: number,
  ): Promise<{ entries: HistoryEntry[]; nextBeforeRev: number | null }> {
    const archive = this.archive();
    const { doc } = await this.open(user, boardId);
    const before = Math.min(beforeRev ?? doc.rev + 1, doc.rev + 1);
    const ops = await archive.history(boardId, before, limit);
    const oldest = ops.at(-1);
    if (!oldest) return { entries: [], nextBeforeRev: null };
    // Undefined when the log no longer reaches back: the page then comes without earlier values.
    const base = await archive.docAt(boardId, oldest.rev - 1);
    const entries: HistoryEntry[] = [];
    let state = base;
    for (const entry of [...ops].reverse()) {
      entries.push(state ? { ...entry, prior: priorOf(state, entry.op) } : entry);
      state = state && applyOp(state, entry.op, entry.rev, { by: entry.by, at: entry.at });
    }
    entries.reverse();
    return { entries, nextBeforeRev: oldest.rev > 1 ? oldest.rev : null };
  }

  /** The board as it stood at `rev`, for a member choosing what to restore. */
  async revision(user: string, boardId: string, rev: number): Promise<BoardDoc> {
    const archive = this.archive();
    const { doc } = await this.open(user, boardId);
    if (rev > doc.rev) throw new AppError("NOT_FOUND", `the board has no revision ${rev} yet`, { rev });
    const at = rev === doc.rev ? doc : await archive.docAt(boardId, rev);
    if (!at) throw new AppError("NOT_FOUND", `revision ${rev} of this board is no longer kept`, { rev });
    return at;
  }

  async delete(user: string, boardId: string, from?: AuditActor): Promise<BoardDoc> {
    return this.mutex.run(boardId, async () => {
      const { doc, role } = await this.open(user, boardId);
      if (role !== "owner") throw new AppError("FORBIDDEN", "only the owner can delete this board");
      await this.deps.store.delete(boardId, {
        actor: user,
        ip: from?.ip,
        method: from?.method,
        action: "board.delete",
        target: { kind: "board", id: boardId },
        details: { title: doc.title },
      });
      // Out of every member's list with the deletion itself: a board in the trash is not listed.
      this.cache.delete(boardId);
      return doc;
    });
  }
}

/**
 * How many ops from the front of the queue go into the next commit: at most MAX_BATCH, and never two with one
 * opId (two users may pick the same one): the second waits for the next commit, where the store finds the first.
 */
function batchLength(queue: readonly Pending[]): number {
  const opIds = new Set<string>();
  let n = 0;
  while (n < queue.length && n < MAX_BATCH && !opIds.has(queue[n]!.opId)) opIds.add(queue[n++]!.opId);
  return n;
}

function excerptAround(text: string, needle: string): string {
  const i = Math.max(0, text.toLowerCase().indexOf(needle.toLowerCase()));
  const start = Math.max(0, i - 60);
  const snippet = text
    .slice(start, start + 160)
    .replace(/\s+/g, " ")
    .trim();
  return `${start > 0 ? "…" : ""}${snippet}${start + 160 < text.length ? "…" : ""}`;
}

/** The audit entry of a committed `member.set`: a share, a role change or an unshare; none for other ops. */
function memberAudit(before: BoardDoc, entry: CommittedOp, from: AuditActor | undefined): AuditRecord[] {
  const { op } = entry;
  if (op.type !== "member.set") return [];
  const previous = roleOf(before, op.user);
  if (previous === (op.role ?? undefined)) return [];
  const action = op.role === null ? "board.unshare" : previous ? "board.member-role" : "board.share";
  return [
    {
      actor: entry.by,
      ip: from?.ip,
      method: from?.method,
      action,
      target: { kind: "board", id: before.id },
      details: { user: op.user, from: previous ?? null, to: op.role },
      at: entry.at,
    },
  ];
}
