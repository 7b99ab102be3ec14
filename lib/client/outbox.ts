import type { BoardDoc } from "../boards/types";
import type { BoardOp, CommittedOp } from "../protocol/boards";
import type { ErrorBody } from "../protocol/errors";
import { createdKeysOf, fieldKeyOf, fieldRev } from "./field-keys";

export type OpOutcome = { ok: true; entry: CommittedOp } | { ok: false; error: ErrorBody };

export interface OutboxEntry {
  /** Changes when a later value replaces one not yet sent (see `add`); fixed from the first send on. */
  opId: string;
  op: BoardOp;
  /** The field the op sets (see `fieldKeyOf`); undefined for ops that merge. */
  readonly key?: string;
  /** The `baseRev` the editor gave: the revision of the field it showed when the user began this change. */
  readonly base?: number;
  /** Sent at least once: the server may have committed it, so it may only ever be resent as it is. */
  sent: boolean;
  /** Kept on the device by an earlier tab: a later edit is never merged into it (another tab may send it too). */
  readonly kept?: boolean;
  /** The op as first sent (with its rebased `baseRev`); every resend carries exactly this. */
  wire?: BoardOp;
  attempts: number;
  readonly waiters: ((outcome: OpOutcome) => void)[];
}

/** The note text an op sent: what this client's later edits of that note are written from. */
function sentText(op: BoardOp): string | undefined {
  return op.type === "note.text" ? op.text : undefined;
}

function baseOf(op: BoardOp): number | undefined {
  return "baseRev" in op ? op.baseRev : undefined;
}

/**
 * This client's changes that the server has not acknowledged yet, oldest first. Sent one at a time, in order, so
 * that an op never reaches the server before one it depends on (an item's text before the item).
 *
 * A user who keeps editing a field sends several ops based on the same revision they saw. Once the first of them
 * commits, the field's revision is this client's own commit; the next op is rebased onto it, because the user
 * did see that value (they wrote it). Anyone else's commit in between still makes it a CONFLICT.
 */
export class Outbox {
  private entries: OutboxEntry[] = [];
  /** Per field: the revision of this client's last commit to it, and the revision the editor had based it on. */
  private readonly own = new Map<string, { rev: number; base: number; text?: string }>();

  get size(): number {
    return this.entries.length;
  }

  get all(): readonly OutboxEntry[] {
    return this.entries;
  }

  head(): OutboxEntry | undefined {
    return this.entries[0];
  }

  /** The newest change of one field that is not acknowledged yet, if any. */
  latestFor(key: string): OutboxEntry | undefined {
    return this.entries.findLast((e) => e.key === key);
  }

  /**
   * Queues an op. A later value for the same field, on the same basis, replaces one not yet sent (typing while
   * offline queues one op per field, not one per pause).
   */
  add(op: BoardOp, opId: string, waiter?: (outcome: OpOutcome) => void): OutboxEntry {
    const key = fieldKeyOf(op);
    const base = baseOf(op);
    if (key !== undefined) {
      const last = this.entries.findLast((e) => e.key === key);
      if (last && !last.sent && !last.kept && last.base === base) {
        last.op = op;
        // A new value is a new change: another tab that restored the kept copy of the old one may have sent it
        // under the old opId, and the server would answer this one with that commit.
        last.opId = opId;
        if (waiter) last.waiters.push(waiter);
        return last;
      }
    }
    const entry: OutboxEntry = {
      opId,
      op,
      key,
      base,
      sent: false,
      attempts: 0,
      waiters: waiter ? [waiter] : [],
    };
    this.entries.push(entry);
    return entry;
  }

  /**
   * Puts back changes kept on the device from an earlier tab, ahead of anything queued since, in their order, each
   * under its own opId, never merged with a later edit. One the earlier tab had sent (`sent`, or a record without
   * the flag) may have been committed, so it is resent exactly as kept (the server answers a known opId with its
   * original entry). One it had not sent is sent like a new one: rebased onto this client's own commits of its
   * field, so that a change made while an earlier one was in flight does not conflict with it.
   */
  restore(ops: readonly { opId: string; op: BoardOp; sent?: boolean }[]): void {
    const known = new Set(this.entries.map((e) => e.opId));
    const restored: OutboxEntry[] = ops
      .filter((o) => !known.has(o.opId))
      .map((o) => ({
        opId: o.opId,
        op: o.op,
        key: fieldKeyOf(o.op),
        base: baseOf(o.op),
        sent: o.sent !== false,
        wire: o.sent !== false ? o.op : undefined,
        kept: true,
        attempts: 0,
        waiters: [],
      }));
    this.entries = [...restored, ...this.entries];
  }

  /**
   * The op to send for `entry`, given the board as committed so far, and marks it sent. Fixed at the first send:
   * a resend under the same opId must be the same op.
   */
  prepare(entry: OutboxEntry, committed: BoardDoc): BoardOp {
    entry.sent = true;
    entry.wire ??= this.rebased(entry, committed);
    return entry.wire;
  }

  private rebased(entry: OutboxEntry, committed: BoardDoc): BoardOp {
    if (entry.key === undefined || entry.base === undefined || !("baseRev" in entry.op)) return entry.op;
    const current = fieldRev(committed, entry.key);
    const own = this.own.get(entry.key);
    if (!own || own.base !== entry.base || own.rev <= entry.base) return entry.op;
    // A note's text says what it was written from: this client's last committed text. The server merges anything
    // committed by others since, or refuses with CONFLICT; it never overwrites it.
    if (entry.op.type === "note.text" && entry.op.baseText !== undefined && own.text !== undefined)
      return { ...entry.op, baseRev: own.rev, baseText: own.text };
    if (own.rev === current) return { ...entry.op, baseRev: current };
    return entry.op;
  }

  /** The server committed `entry` (now, or earlier under the same opId). */
  committed(entry: OutboxEntry, committedOp: CommittedOp): void {
    this.remove(entry);
    if (entry.key !== undefined && entry.base !== undefined)
      this.ownCommit(entry.key, committedOp.rev, entry.base, sentText(entry.wire ?? entry.op));
    // Adding a widget or an item sets its fields. An edit made before the add was acknowledged saw no revision
    // for them (0), and builds on this client's own add.
    for (const key of createdKeysOf(entry.op)) this.ownCommit(key, committedOp.rev, 0);
    this.settle(entry, { ok: true, entry: committedOp });
  }

  private ownCommit(key: string, rev: number, base: number, text?: string): void {
    const prev = this.own.get(key);
    if (!prev || prev.rev < rev) this.own.set(key, { rev, base, text });
  }

  /**
   * The server refused `entry` for good. Later ops of the same field on the same basis would be refused for the
   * same reason, so they go too; all of them are returned, the user's latest intent last.
   */
  refused(entry: OutboxEntry, error: ErrorBody): OutboxEntry[] {
    const gone = [entry];
    if (entry.key !== undefined) {
      for (const e of this.entries) {
        if (e !== entry && !e.sent && e.key === entry.key && e.base === entry.base) gone.push(e);
      }
    }
    for (const e of gone) {
      this.remove(e);
      this.settle(e, { ok: false, error });
    }
    return gone;
  }

  /** Gives up on everything still queued (the board was closed or the session stopped). */
  abandon(error: ErrorBody): void {
    const all = this.entries;
    this.entries = [];
    for (const e of all) this.settle(e, { ok: false, error });
  }

  private remove(entry: OutboxEntry): void {
    this.entries = this.entries.filter((e) => e !== entry);
  }

  private settle(entry: OutboxEntry, outcome: OpOutcome): void {
    for (const w of entry.waiters.splice(0)) w(outcome);
  }
}
