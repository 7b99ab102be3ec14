import { z } from "zod";
import { boardOpSchema, type BoardOp } from "../protocol/boards";

/** Whose changes, on which board: a tab signed in as someone else never reads another user's changes. */
export interface PendingScope {
  user: string;
  boardId: string;
}

/**
 * One change not acknowledged yet, as kept on the device. `seq` orders them as they were made. `sent` says whether
 * the op was sent (then it is the op as sent, to be resent as it is); records written before the flag existed
 * lack it and count as sent.
 */
export interface StoredOp {
  opId: string;
  op: BoardOp;
  seq: number;
  sent?: boolean;
}

/**
 * Where a tab keeps its unacknowledged changes so that they outlive the tab: IndexedDB in the browser
 * (`createIndexedDbPendingStore`), memory in tests. Records are keyed by scope and opId. `load` returns what was
 * stored without trusting it: the caller validates every record.
 */
export interface PendingOpStore {
  load(scope: PendingScope): Promise<unknown[]>;
  put(scope: PendingScope, op: StoredOp): Promise<void>;
  delete(scope: PendingScope, opIds: readonly string[]): Promise<void>;
  clear(scope: PendingScope): Promise<void>;
}

/** At most this many changes are restored per board and user; the rest, the newest, are dropped. */
export const MAX_STORED_OPS = 1_000;

const storedOpSchema = z.object({
  opId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  op: boardOpSchema,
  seq: z.number().finite(),
  sent: z.boolean().optional(),
});

/** The stored records that are well-formed changes, oldest first, each opId once, at most `MAX_STORED_OPS`. */
export function validStoredOps(records: readonly unknown[]): StoredOp[] {
  const byId = new Map<string, StoredOp>();
  for (const record of records) {
    const parsed = storedOpSchema.safeParse(record);
    if (parsed.success && !byId.has(parsed.data.opId)) byId.set(parsed.data.opId, parsed.data);
  }
  return [...byId.values()].sort((x, y) => x.seq - y.seq).slice(0, MAX_STORED_OPS);
}

function scopeKey(scope: PendingScope): string {
  return JSON.stringify([scope.user, scope.boardId]);
}

/** A `PendingOpStore` in memory: for tests, and for browsers without IndexedDB (nothing outlives the tab). */
export class MemoryPendingStore implements PendingOpStore {
  private readonly scopes = new Map<string, Map<string, StoredOp>>();

  load(scope: PendingScope): Promise<unknown[]> {
    const ops = this.scopes.get(scopeKey(scope));
    return Promise.resolve(ops ? [...ops.values()].map((o) => structuredClone(o)) : []);
  }

  put(scope: PendingScope, op: StoredOp): Promise<void> {
    const key = scopeKey(scope);
    let ops = this.scopes.get(key);
    if (!ops) this.scopes.set(key, (ops = new Map()));
    ops.set(op.opId, structuredClone(op));
    return Promise.resolve();
  }

  delete(scope: PendingScope, opIds: readonly string[]): Promise<void> {
    const ops = this.scopes.get(scopeKey(scope));
    for (const id of opIds) ops?.delete(id);
    return Promise.resolve();
  }

  clear(scope: PendingScope): Promise<void> {
    this.scopes.delete(scopeKey(scope));
    return Promise.resolve();
  }
}

/** What the journal needs of an outbox entry: its opId, the op it would send now, and whether it was sent. */
export interface JournalEntry {
  readonly opId: string;
  readonly op: BoardOp;
  /** Absent counts as sent (resent as it is). */
  readonly sent?: boolean;
}

/**
 * Mirrors one session's outbox into a `PendingOpStore`: after every change of the outbox, `sync` writes the
 * entries that are new or whose op changed and deletes those that left it. Writes run one after another, in order.
 * `saved` says whether everything the outbox holds is on the device (no write pending or failed).
 */
export class PendingJournal {
  private readonly written = new Map<string, { op: BoardOp; sent: boolean }>();
  private readonly seqs = new Map<string, number>();
  private lastSeq = 0;
  private chain: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private failed = false;
  private cleared = false;

  constructor(
    private readonly store: PendingOpStore,
    private readonly scope: PendingScope,
    private readonly onSaved: () => void = () => {},
  ) {}

  /** The changes kept for this scope, validated and in order; they count as written. */
  async load(): Promise<StoredOp[]> {
    let records: unknown[] = [];
    try {
      records = await this.store.load(this.scope);
    } catch {
      this.failed = true;
      return [];
    }
    const ops = validStoredOps(records);
    for (const o of ops) {
      this.written.set(o.opId, { op: o.op, sent: o.sent !== false });
      this.seqs.set(o.opId, o.seq);
      this.lastSeq = Math.max(this.lastSeq, o.seq);
    }
    // Records that did not validate, or past the bound, are dropped from the device.
    const kept = new Set(ops.map((o) => o.opId));
    const dropped = records
      .map((r) => (r && typeof r === "object" && "opId" in r ? (r as { opId: unknown }).opId : undefined))
      .filter((id): id is string => typeof id === "string" && !kept.has(id));
    if (dropped.length > 0) this.enqueue(() => this.store.delete(this.scope, dropped));
    return ops;
  }

  get saved(): boolean {
    return !this.failed && this.inFlight === 0;
  }

  sync(entries: readonly JournalEntry[]): void {
    if (this.cleared) return;
    const present = new Set<string>();
    for (const e of entries) {
      present.add(e.opId);
      const sent = e.sent !== false;
      const was = this.written.get(e.opId);
      if (was?.op === e.op && was.sent === sent) continue;
      this.written.set(e.opId, { op: e.op, sent });
      let seq = this.seqs.get(e.opId);
      if (seq === undefined) {
        seq = this.lastSeq = Math.max(this.lastSeq + 1, Date.now());
        this.seqs.set(e.opId, seq);
      }
      const record: StoredOp = { opId: e.opId, op: e.op, seq, sent };
      this.enqueue(() => this.store.put(this.scope, record));
    }
    const gone = [...this.written.keys()].filter((id) => !present.has(id));
    if (gone.length === 0) return;
    for (const id of gone) {
      this.written.delete(id);
      this.seqs.delete(id);
    }
    this.enqueue(() => this.store.delete(this.scope, gone));
  }

  /** Forgets every kept change of this scope (the board is gone, or no longer this user's). */
  clear(): void {
    this.cleared = true;
    this.written.clear();
    this.seqs.clear();
    this.enqueue(() => this.store.clear(this.scope));
  }

  /** Resolves once every write so far has finished. */
  flush(): Promise<void> {
    return this.chain;
  }

  private enqueue(write: () => Promise<void>): void {
    this.inFlight++;
    this.chain = this.chain
      .then(write)
      .then(
        () => {},
        () => {
          this.failed = true;
        },
      )
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) this.onSaved();
      });
  }
}
