import type { InstanceSnapshot } from "./snapshot";

export interface SnapshotListener {
  /** `replay` batches come first, once, from storage (oldest first); later batches are live. */
  (batch: InstanceSnapshot[], replay: boolean): void;
}

/**
 * How instances share their snapshots. Embedded mode keeps them in memory; Redis mode appends them to a stream
 * that every instance reads, which also lets a new instance rebuild the last 15 minutes of history.
 */
export interface SnapshotTransport {
  publish(snapshot: InstanceSnapshot): Promise<void>;
  subscribe(listener: SnapshotListener): void;
  close(): Promise<void>;
}

/** One process: what is published is delivered, synchronously, to this process's listeners. */
export class MemorySnapshotTransport implements SnapshotTransport {
  private readonly listeners: SnapshotListener[] = [];

  publish(snapshot: InstanceSnapshot): Promise<void> {
    for (const l of this.listeners) l([snapshot], false);
    return Promise.resolve();
  }

  subscribe(listener: SnapshotListener): void {
    this.listeners.push(listener);
  }

  close(): Promise<void> {
    this.listeners.length = 0;
    return Promise.resolve();
  }
}
