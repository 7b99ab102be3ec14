export interface PresenceEntry {
  connectionId: string;
  user: string;
  instanceId: string;
  /** The widget this connection is editing, if any. */
  editing: string | null;
}

/**
 * Who views which board, per connection, with a lease: an instance renews its own entries, so the entries of a
 * crashed instance expire by themselves. Passes `store.contract.test.ts`.
 */
export interface PresenceStore {
  upsert(boardId: string, entry: PresenceEntry, leaseMs: number): Promise<void>;
  remove(boardId: string, connectionId: string): Promise<void>;
  /** Live entries only; expired ones are dropped on the way. */
  list(boardId: string): Promise<PresenceEntry[]>;
  /** Extends the lease of entries that still exist; never resurrects a removed one. */
  renew(boardId: string, connectionIds: string[], leaseMs: number): Promise<void>;
}
