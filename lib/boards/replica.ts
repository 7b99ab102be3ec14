import type { CommittedOp, SyncResult } from "../protocol/boards";
import { applyOp } from "./apply";
import type { BoardDoc } from "./types";

export type ReceiveOutcome = "applied" | "duplicate" | "gap";

/**
 * A client's copy of a board. Committed ops are applied strictly in revision order; an op that arrives early is
 * held until the ones before it arrive or a sync fills the gap. The replica never applies an op twice.
 */
export class BoardReplica {
  private held = new Map<number, CommittedOp>();

  constructor(private current: BoardDoc) {}

  get doc(): BoardDoc {
    return this.current;
  }

  get rev(): number {
    return this.current.rev;
  }

  /** True while an op is held waiting for an earlier one: the caller should sync. */
  get hasGap(): boolean {
    return this.held.size > 0;
  }

  receive(entry: CommittedOp): ReceiveOutcome {
    if (entry.rev <= this.current.rev) return "duplicate";
    if (entry.rev > this.current.rev + 1) {
      this.held.set(entry.rev, entry);
      return "gap";
    }
    this.applyOne(entry);
    this.drain();
    return "applied";
  }

  applySync(result: SyncResult): void {
    if ("snapshot" in result) {
      if (result.snapshot.rev >= this.current.rev) this.current = result.snapshot;
    } else {
      for (const entry of result.entries) {
        if (entry.rev === this.current.rev + 1) this.applyOne(entry);
      }
    }
    for (const rev of this.held.keys()) if (rev <= this.current.rev) this.held.delete(rev);
    this.drain();
  }

  private applyOne(entry: CommittedOp): void {
    this.current = applyOp(this.current, entry.op, entry.rev, { by: entry.by, at: entry.at });
  }

  private drain(): void {
    for (;;) {
      const next = this.held.get(this.current.rev + 1);
      if (!next) return;
      this.held.delete(next.rev);
      this.applyOne(next);
    }
  }
}
