import { applyOp } from "../boards/apply";
import { BoardReplica } from "../boards/replica";
import { roleOf, type BoardDoc, type BoardRole } from "../boards/types";
import {
  boardOpSchema,
  type BoardOp,
  type BoardOpInput,
  type CommittedOp,
  type PresenceViewer,
} from "../protocol/boards";
import type { ServerToClientEvents } from "../protocol/events";
import { isErrorCode, isRetryable, type ErrorBody } from "../protocol/errors";
import { Emitter } from "./emitter";
import { newOpId } from "./ids";
import { Outbox, type OpOutcome, type OutboxEntry } from "./outbox";
import { PendingJournal, type PendingOpStore } from "./pending-store";
import type { ClientSocket } from "./socket";

export type { OpOutcome } from "./outbox";

/**
 * - `joining`: the first join is on its way.
 * - `live`: joined and caught up; changes are sent as they are made.
 * - `syncing`: reconnected, joining again and catching up; changes wait in the outbox.
 * - `offline`: the socket is down; the board shows what it had, changes wait in the outbox.
 * - `closed`: the board was deleted, or access was revoked (see `closed`).
 * - `failed`: the board could not be opened (see `error`).
 */
export type SessionStatus = "joining" | "live" | "syncing" | "offline" | "closed" | "failed";

export interface BoardSessionState {
  status: SessionStatus;
  /** The board as committed, with this client's pending changes applied on top. What the UI shows. */
  doc: BoardDoc | null;
  /** The board as committed by the server, in revision order. Edits take their `baseRev` from here. */
  committed: BoardDoc | null;
  role: BoardRole | null;
  presence: PresenceViewer[];
  /** Changes not acknowledged yet. */
  pending: number;
  /** Every change not acknowledged yet is kept on this device too, so closing the tab loses none of them. */
  pendingSaved: boolean;
  /** A catch-up (`board:sync`) is on its way. */
  syncing: boolean;
  error: ErrorBody | null;
  closed: { reason: "deleted" | "access-revoked" | "not-found"; by?: string } | null;
}

/** A change the server refused because someone changed the same field first. */
export interface OpConflict {
  opId: string;
  /** The user's latest intent for the field (later queued edits of the field are folded in). */
  op: BoardOp;
  /** The field key, see `fieldKeyOf`. */
  key: string;
  field: string;
  /** The value someone else committed. */
  current: unknown;
  /** Its revision: resend with this `baseRev` to overwrite it on purpose. */
  rev: number;
  /** Who made the change that won, when the server could tell. */
  by?: string;
  widgetId?: string;
  itemId?: string;
  message: string;
}

export interface OpRejected {
  /** Absent when the change was refused before it was queued (it did not pass the schema). */
  opId?: string;
  op?: BoardOp;
  error: ErrorBody;
}

export interface BoardSessionEvents {
  change: (state: BoardSessionState) => void;
  conflict: (conflict: OpConflict) => void;
  rejected: (rejected: OpRejected) => void;
  cursor: (cursor: { user: string; x: number; y: number }) => void;
}

/** The part of a socket.io-client socket the session uses. */
export type SessionSocket = Pick<ClientSocket, "connected" | "on" | "off" | "timeout" | "volatile" | "emit">;

export interface BoardSessionOptions {
  socket: SessionSocket;
  boardId: string;
  /** The signed-in user, to follow their role as members change. */
  user?: string;
  ackTimeoutMs?: number;
  /** How long a missing op may take to arrive after a later one before the session fetches it. */
  gapGraceMs?: number;
  /** Interval of the cheap catch-up check while visible: pub/sub may have dropped a broadcast silently. */
  checkIntervalMs?: number;
  cursorIntervalMs?: number;
  newOpId?: () => string;
  random?: () => number;
  /**
   * Keeps unacknowledged changes on the device, per board and user (needs `user`): they are restored when this
   * board is opened again by the same user, and resent under their original opIds once the board caught up.
   */
  pendingStore?: PendingOpStore;
}

/** How long sending waits for the changes kept on the device to be read back. */
const RESTORE_WAIT_MS = 3_000;

/** Ops kept while the first join is on its way; more than this and the tab syncs instead. */
const MAX_EARLY_OPS = 500;

const CLOSED_ERROR: ErrorBody = { code: "NOT_FOUND", message: "this board is no longer available" };
const STOPPED_ERROR: ErrorBody = {
  code: "UNAVAILABLE",
  message: "the board was closed before this change was sent",
};

function toError(err: unknown): ErrorBody {
  return { code: "UNAVAILABLE", message: err instanceof Error ? err.message : "no answer from the server" };
}

/**
 * One board as one tab sees it, over the tab's socket. Framework-free: React binds it with `useBoard`.
 *
 * - Joins the board, and joins again after every reconnect (the server forgets rooms on disconnect), taking the
 *   board from the join answer so that nothing acknowledged while away is missed.
 * - Keeps a `BoardReplica` of committed state only; pending changes are an overlay that the view applies on top.
 * - Fetches missed ops (`board:sync`) on a revision gap (after a short grace for reordering), on `board:resync`,
 *   when the tab becomes visible, and periodically while visible.
 * - Sends changes one at a time from an outbox, retrying with the same opId after a timeout, `UNAVAILABLE`,
 *   `RATE_LIMITED` or a disconnect; the server answers a repeated opId with the original ack.
 */
export class BoardSession {
  readonly boardId: string;
  private readonly socket: SessionSocket;
  private readonly opts: Required<Omit<BoardSessionOptions, "socket" | "boardId" | "user" | "pendingStore">>;
  private readonly journal: PendingJournal | null;
  /** Changes kept by an earlier tab are being read: nothing is sent before they are back in the outbox. */
  private restoring = false;
  private readonly user?: string;
  private readonly events = new Emitter<BoardSessionEvents>();
  private readonly outbox = new Outbox();
  private replica: BoardReplica | null = null;
  /**
   * Ops broadcast before the first join's answer arrives. The server joins the room before it reads the board, so
   * an op committed in between reaches the tab ahead of an answer that does not hold it yet; these are applied on
   * top of that answer. Bounded: past the bound, the tab catches up with `board:sync` instead.
   */
  private early: CommittedOp[] = [];
  private earlyOverflow = false;
  private joinedRole: BoardRole | null = null;
  private presence: PresenceViewer[] = [];
  private status: SessionStatus = "joining";
  private error: ErrorBody | null = null;
  private closedInfo: BoardSessionState["closed"] = null;
  private ready = false;
  private started = false;
  private stopped = false;
  private visible = true;
  private joining = false;
  /** A sync was asked for while the join was on its way: run it once the join answers. */
  private syncAfterJoin = false;
  private joinAttempt = 0;
  private sending: OutboxEntry | null = null;
  /** A resend waits out its backoff; nothing else is sent meanwhile, so the order holds. */
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private syncRun: Promise<void> | null = null;
  private syncAgain = false;
  private editing: string | null = null;
  private cursorLast = 0;
  private cursorNext: { x: number; y: number } | null = null;
  private state: BoardSessionState;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  private cursorTimer: ReturnType<typeof setTimeout> | null = null;
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  private readonly handlers: { [K in keyof ServerToClientEvents]?: ServerToClientEvents[K] } = {};
  private readonly onConnect = () => this.join();
  private readonly onDisconnect = () => this.wentOffline();

  constructor(options: BoardSessionOptions) {
    this.socket = options.socket;
    this.boardId = options.boardId;
    this.user = options.user;
    this.opts = {
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
      gapGraceMs: options.gapGraceMs ?? 300,
      checkIntervalMs: options.checkIntervalMs ?? 15_000,
      cursorIntervalMs: options.cursorIntervalMs ?? 50,
      newOpId: options.newOpId ?? newOpId,
      random: options.random ?? Math.random,
    };
    this.journal =
      options.pendingStore && options.user
        ? new PendingJournal(options.pendingStore, { user: options.user, boardId: options.boardId }, () =>
            this.publish(),
          )
        : null;
    this.state = this.buildState();
  }

  getState(): BoardSessionState {
    return this.state;
  }

  on<K extends keyof BoardSessionEvents>(event: K, fn: BoardSessionEvents[K]): () => void {
    return this.events.on(event, fn);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const h = this.handlers;
    h["board:op"] = ({ boardId, entry }) => {
      if (boardId === this.boardId) this.receive([entry]);
    };
    // A coalesced frame: its ops are applied one after another, exactly as if each had come as a board:op.
    h["board:ops"] = ({ boardId, entries }) => {
      if (boardId === this.boardId && Array.isArray(entries)) this.receive(entries);
    };
    h["board:presence"] = ({ boardId, viewers }) => {
      if (boardId !== this.boardId) return;
      this.presence = viewers;
      this.publish();
    };
    h["board:cursor"] = ({ boardId, user, x, y }) => {
      if (boardId === this.boardId) this.events.emit("cursor", { user, x, y });
    };
    h["board:resync"] = ({ boardId }) => {
      if (boardId === undefined || boardId === this.boardId) void this.sync();
    };
    h["board:closed"] = ({ boardId, reason, by }) => {
      if (boardId === this.boardId) this.close({ reason, by });
    };
    for (const [event, fn] of Object.entries(h)) this.socket.on(event as "board:op", fn as never);
    this.socket.on("connect", this.onConnect);
    this.socket.on("disconnect", this.onDisconnect);
    this.checkTimer = setInterval(() => {
      if (this.visible && this.ready) void this.sync();
    }, this.opts.checkIntervalMs);
    if (this.journal) void this.restore(this.journal);
    if (this.socket.connected) this.join();
    else this.setStatus("offline");
  }

  /** Puts back the changes an earlier tab kept on the device; they go first, once the board is live. */
  private async restore(journal: PendingJournal): Promise<void> {
    this.restoring = true;
    // A store that does not answer (IndexedDB blocked by an old tab) must not hold up this tab's own changes.
    const waited = this.later(() => {
      this.restoring = false;
      this.pump();
    }, RESTORE_WAIT_MS);
    const kept = await journal.load();
    clearTimeout(waited);
    this.timers.delete(waited);
    this.restoring = false;
    if (this.stopped || this.status === "closed" || this.status === "failed") return;
    this.outbox.restore(kept);
    this.persist();
    this.publish();
    this.pump();
  }

  /** Writes the outbox's changes to the device (those kept elsewhere already are skipped). */
  private persist(): void {
    this.journal?.sync(this.outbox.all.map((e) => ({ opId: e.opId, op: e.wire ?? e.op, sent: e.sent })));
  }

  /** Resolves once every change so far is written to (or removed from) the device. For tests. */
  flushPending(): Promise<void> {
    return this.journal?.flush() ?? Promise.resolve();
  }

  /**
   * Leaves the board. Changes still in the outbox are given up in this tab; with a `pendingStore` they stay on the
   * device and the next tab to open the board as this user sends them.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const [event, fn] of Object.entries(this.handlers))
      this.socket.off(event as "board:op", fn as never);
    this.socket.off("connect", this.onConnect);
    this.socket.off("disconnect", this.onDisconnect);
    this.clearTimers();
    this.early = [];
    if (this.socket.connected && this.ready) this.emitQuietly("board:leave", { boardId: this.boardId });
    this.ready = false;
    this.outbox.abandon(STOPPED_ERROR);
    this.events.clear();
  }

  /**
   * What this client's newest unacknowledged change of a field was based on: its `baseRev`, and for note text its
   * `baseText`. An editor reopened over such a change shows it, so its next change must build on the same basis.
   */
  pendingBasis(key: string): { baseRev: number; baseText?: string } | undefined {
    const entry = this.outbox.latestFor(key);
    if (!entry || entry.base === undefined) return undefined;
    return { baseRev: entry.base, baseText: entry.op.type === "note.text" ? entry.op.baseText : undefined };
  }

  /** Tells the session whether the tab is visible: catching up is checked on becoming visible. */
  setVisible(visible: boolean): void {
    const becameVisible = visible && !this.visible;
    this.visible = visible;
    if (becameVisible && this.ready) void this.sync();
  }

  /**
   * Queues a change and sends it as soon as the board is live. Resolves once the server committed or refused it
   * for good; never rejects. Conflicts and refusals are also emitted as `conflict` and `rejected` events.
   */
  submit(input: BoardOpInput): Promise<OpOutcome> {
    const parsed = boardOpSchema.safeParse(input);
    if (!parsed.success) {
      const error: ErrorBody = {
        code: "VALIDATION",
        message: parsed.error.issues[0]?.message ?? "invalid change",
      };
      this.events.emit("rejected", { error });
      return Promise.resolve({ ok: false, error });
    }
    if (this.status === "closed" || this.status === "failed" || this.stopped) {
      return Promise.resolve({ ok: false, error: this.error ?? CLOSED_ERROR });
    }
    return new Promise((resolve) => {
      this.outbox.add(parsed.data, this.opts.newOpId(), resolve);
      this.persist();
      this.publish();
      this.pump();
    });
  }

  /** Marks which widget this user edits (null: none), for the others' presence. Resent after a reconnect. */
  setEditing(widgetId: string | null): void {
    if (this.editing === widgetId) return;
    this.editing = widgetId;
    if (this.ready) this.emitQuietly("board:editing", { boardId: this.boardId, widgetId });
  }

  /** Shares this user's pointer: `x` as a fraction of the grid's width, `y` in pixels. Throttled; volatile. */
  sendCursor(x: number, y: number): void {
    this.cursorNext = { x: Math.min(1, Math.max(0, x)), y: Math.min(100_000, Math.max(0, y)) };
    if (this.cursorTimer) return;
    const wait = this.cursorLast + this.opts.cursorIntervalMs - Date.now();
    if (wait <= 0) this.flushCursor();
    else
      this.cursorTimer = this.later(() => {
        this.cursorTimer = null;
        this.flushCursor();
      }, wait);
  }

  /** Fetches the ops this client is missing, if any. One request at a time; a request made meanwhile reruns it. */
  sync(): Promise<void> {
    if (this.syncRun) {
      this.syncAgain = true;
      return this.syncRun;
    }
    if (!this.ready || !this.replica) {
      // A resync asked for while the join is on its way may be about ops the join's answer predates.
      if (this.joining) this.syncAfterJoin = true;
      return Promise.resolve();
    }
    this.syncRun = (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.syncOnce();
        } while (this.syncAgain && this.ready);
      } finally {
        this.syncRun = null;
        this.publish();
      }
    })();
    this.publish();
    return this.syncRun;
  }

  private async syncOnce(): Promise<void> {
    const replica = this.replica;
    if (!replica) return;
    let res;
    try {
      res = await this.socket
        .timeout(this.opts.ackTimeoutMs)
        .emitWithAck("board:sync", { boardId: this.boardId, sinceRev: replica.rev });
    } catch {
      return; // Disconnected or no answer: the reconnect joins again, the next check retries.
    }
    if (!res.ok) {
      if (res.error.code === "NOT_FOUND") this.close({ reason: "not-found" });
      return;
    }
    const before = replica.rev;
    replica.applySync(res);
    this.changedSince(before);
    // A held op beyond what the server had when it answered: the next round fetches the rest.
    if (replica.hasGap) this.syncAgain = true;
  }

  private join(): void {
    if (this.stopped || this.joining || this.status === "closed" || this.status === "failed") return;
    this.joining = true;
    this.ready = false;
    this.setStatus(this.replica ? "syncing" : "joining");
    void (async () => {
      let res;
      try {
        res = await this.socket
          .timeout(this.opts.ackTimeoutMs)
          .emitWithAck("board:join", { boardId: this.boardId });
      } catch {
        res = null;
      } finally {
        this.joining = false;
      }
      if (this.stopped) return;
      if (!res || (!res.ok && isErrorCode(res.error.code) && isRetryable(res.error.code))) {
        // No answer, or a passing failure: try again while connected (a disconnect rejoins on connect).
        if (this.socket.connected) this.later(() => this.join(), this.backoff(this.joinAttempt++));
        return;
      }
      if (!res.ok) {
        if (this.replica) this.close({ reason: "not-found" });
        else {
          this.error = res.error;
          this.journal?.clear();
          this.setStatus("failed");
          this.outbox.abandon(res.error);
        }
        return;
      }
      this.joinAttempt = 0;
      const before = this.replica?.rev ?? -1;
      let missedEarly = false;
      if (this.replica) this.replica.applySync({ rev: res.board.rev, snapshot: res.board });
      else {
        this.replica = new BoardReplica(res.board);
        const early = this.early;
        const overflow = this.earlyOverflow;
        this.early = [];
        this.earlyOverflow = false;
        for (const entry of early) this.replica.receive(entry);
        missedEarly = overflow || this.replica.hasGap;
      }
      this.joinedRole = res.role;
      this.presence = res.presence;
      this.ready = true;
      this.status = "live";
      if (before >= 0) this.changedSince(before);
      const asked = this.syncAfterJoin;
      this.syncAfterJoin = false;
      if (missedEarly || asked) void this.sync();
      if (this.editing) this.emitQuietly("board:editing", { boardId: this.boardId, widgetId: this.editing });
      this.publish();
      this.pump();
    })();
  }

  private wentOffline(): void {
    if (this.stopped || this.status === "closed" || this.status === "failed") return;
    this.ready = false;
    this.joining = false;
    if (this.retryTimer) {
      // The rejoin resends at once, after catching up.
      clearTimeout(this.retryTimer);
      this.timers.delete(this.retryTimer);
      this.retryTimer = null;
    }
    this.setStatus("offline");
  }

  private close(info: NonNullable<BoardSessionState["closed"]>): void {
    if (this.status === "closed") return;
    // Leaving drops this tab from the board's presence, which the server does not do on a revoke by itself.
    if (this.socket.connected) this.emitQuietly("board:leave", { boardId: this.boardId });
    this.closedInfo = info;
    this.ready = false;
    this.clearTimers();
    this.journal?.clear();
    this.outbox.abandon(CLOSED_ERROR);
    this.setStatus("closed");
  }

  /**
   * Applies committed ops in the order given (one `board:op`, or the ops of one `board:ops`), as the replica does:
   * duplicates are dropped, an op ahead of a missing one is held and the missing ones are fetched after a grace.
   * An op that is one of this client's own changes (same opId: its ack is late or was lost) counts as its ack.
   */
  private receive(entries: readonly CommittedOp[]): void {
    const replica = this.replica;
    if (!replica) {
      for (const entry of entries) {
        if (this.early.length < MAX_EARLY_OPS) this.early.push(entry);
        else this.earlyOverflow = true;
      }
      return;
    }
    const before = replica.rev;
    let gap = false;
    let acked = false;
    for (const entry of entries) {
      if (this.outbox.size > 0 && this.ownCommitted(entry)) acked = true;
      if (replica.receive(entry) === "gap") gap = true;
    }
    if (gap) this.expectGap();
    if (acked) {
      this.persist();
      this.publish();
    } else this.changedSince(before);
  }

  /** Takes an op of this client's out of the outbox when the server's broadcast of it comes before its ack. */
  private ownCommitted(entry: CommittedOp): boolean {
    const mine = this.outbox.all.find((e) => e.opId === entry.opId);
    if (!mine) return false;
    this.outbox.committed(mine, entry);
    return true;
  }

  /** An op arrived ahead of one before it: give the missing one a moment to arrive, then fetch it. */
  private expectGap(): void {
    if (this.gapTimer) return;
    this.gapTimer = this.later(() => {
      this.gapTimer = null;
      if (this.replica?.hasGap) void this.sync();
    }, this.opts.gapGraceMs);
  }

  private changedSince(before: number): void {
    const replica = this.replica;
    if (!replica || replica.rev === before) return;
    this.publish();
  }

  /** Sends the head of the outbox, if the board is live and nothing is in flight. */
  private pump(): void {
    if (!this.ready || this.sending || this.retryTimer || this.stopped || this.restoring) return;
    const entry = this.outbox.head();
    const replica = this.replica;
    if (!entry || !replica) return;
    this.sending = entry;
    entry.attempts++;
    const op = this.outbox.prepare(entry, replica.doc);
    this.persist(); // The op is fixed at its first send: a resend from another tab must be this one.
    void (async () => {
      let res;
      try {
        res = await this.socket
          .timeout(this.opts.ackTimeoutMs)
          .emitWithAck("board:op", { boardId: this.boardId, opId: entry.opId, op });
      } catch (err) {
        res = { ok: false as const, error: toError(err) };
      }
      this.sending = null;
      if (this.stopped || this.status === "closed") return;
      if (res.ok) {
        // Out of the outbox first, so that no state shows the change twice (committed and pending).
        this.outbox.committed(entry, res.entry);
        this.persist();
        this.receive([res.entry]);
        this.publish();
        this.pump();
        return;
      }
      const { error } = res;
      if (!isErrorCode(error.code) || isRetryable(error.code)) {
        // Same opId again: if the first attempt did commit, the server answers with its original ack.
        const wait = Math.max(error.code === "RATE_LIMITED" ? 1_000 : 0, this.backoff(entry.attempts - 1));
        if (this.socket.connected) {
          this.retryTimer = this.later(() => {
            this.retryTimer = null;
            this.pump();
          }, wait);
        }
        return; // Disconnected: the rejoin pumps again.
      }
      this.refuse(entry, op, error);
      this.publish();
      this.pump();
    })();
  }

  private refuse(entry: OutboxEntry, sentOp: BoardOp, error: ErrorBody): void {
    const gone = this.outbox.refused(entry, error);
    this.persist();
    const latest = gone[gone.length - 1]!.op;
    const d = error.details ?? {};
    if (error.code === "CONFLICT" && entry.key !== undefined && typeof d.field === "string") {
      this.events.emit("conflict", {
        opId: entry.opId,
        op: latest,
        key: entry.key,
        field: d.field,
        current: d.current,
        rev: typeof d.rev === "number" ? d.rev : (this.replica?.rev ?? 0),
        by: typeof d.by === "string" ? d.by : undefined,
        widgetId: typeof d.widgetId === "string" ? d.widgetId : undefined,
        itemId: typeof d.itemId === "string" ? d.itemId : undefined,
        message: error.message,
      });
      // The conflicting commit may not have reached this client yet; fetch it so the UI shows it.
      void this.sync();
    } else {
      this.events.emit("rejected", { opId: entry.opId, op: sentOp, error });
    }
  }

  private flushCursor(): void {
    const next = this.cursorNext;
    if (!next || !this.ready || !this.socket.connected) return;
    this.cursorNext = null;
    this.cursorLast = Date.now();
    // Volatile and without an ack: a lost cursor move is superseded by the next one.
    (this.socket.volatile.emit as (event: string, payload: unknown) => void)("board:cursor", {
      boardId: this.boardId,
      ...next,
    });
  }

  private emitQuietly(event: "board:leave" | "board:editing", payload: object): void {
    (this.socket.emit as (event: string, payload: unknown) => void)(event, payload);
  }

  private backoff(attempt: number): number {
    const cap = Math.min(5_000, 250 * 2 ** Math.min(attempt, 8));
    return Math.round(cap / 2 + this.opts.random() * (cap / 2));
  }

  private later(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.gapTimer = null;
    this.cursorTimer = null;
    this.retryTimer = null;
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = null;
  }

  private setStatus(status: SessionStatus): void {
    this.status = status;
    this.publish();
  }

  private publish(): void {
    if (this.stopped) return;
    this.state = this.buildState();
    this.events.emit("change", this.state);
  }

  private buildState(): BoardSessionState {
    const committed = this.replica?.doc ?? null;
    let doc = committed;
    if (doc) {
      for (const e of this.outbox.all) {
        try {
          doc = applyOp(doc, e.op, doc.rev, { by: this.user ?? "", at: doc.updatedAt });
        } catch {
          // A pending op that no longer fits the board shows nothing; the server will refuse it.
        }
      }
    }
    const role = committed && this.user ? (roleOf(committed, this.user) ?? null) : this.joinedRole;
    return {
      status: this.status,
      doc,
      committed,
      role,
      presence: this.presence,
      pending: this.outbox.size,
      pendingSaved: this.journal?.saved ?? false,
      syncing: this.syncRun !== null,
      error: this.error,
      closed: this.closedInfo,
    };
  }
}
