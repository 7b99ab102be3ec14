import type { PresenceEntry, PresenceStore } from "./store";

/** Embedded mode: one process, so presence lives in memory and needs no persistence. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly boards = new Map<string, Map<string, { entry: PresenceEntry; expiresAt: number }>>();

  constructor(private readonly now: () => number = Date.now) {}

  async upsert(boardId: string, entry: PresenceEntry, leaseMs: number): Promise<void> {
    let board = this.boards.get(boardId);
    if (!board) this.boards.set(boardId, (board = new Map()));
    board.set(entry.connectionId, { entry: { ...entry }, expiresAt: this.now() + leaseMs });
  }

  async remove(boardId: string, connectionId: string): Promise<void> {
    const board = this.boards.get(boardId);
    board?.delete(connectionId);
    if (board?.size === 0) this.boards.delete(boardId);
  }

  async list(boardId: string): Promise<PresenceEntry[]> {
    const board = this.boards.get(boardId);
    if (!board) return [];
    const now = this.now();
    const live: PresenceEntry[] = [];
    for (const [id, { entry, expiresAt }] of board) {
      if (expiresAt <= now) board.delete(id);
      else live.push({ ...entry });
    }
    return live;
  }

  async renew(boardId: string, connectionIds: string[], leaseMs: number): Promise<void> {
    const board = this.boards.get(boardId);
    if (!board) return;
    for (const id of connectionIds) {
      const held = board.get(id);
      if (held) held.expiresAt = Math.max(held.expiresAt, this.now() + leaseMs);
    }
  }
}
