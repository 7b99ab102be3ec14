import { writeFileAtomic } from "./atomic-file";

/**
 * Persists a changing value to one file. A write requested while another is in flight is folded into the next
 * one, so a burst of changes costs two writes, and every caller resolves only once a write that includes its
 * change is on disk.
 */
export class CoalescingWriter {
  private inFlight?: Promise<void>;
  private next?: { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void };

  constructor(
    private readonly path: string,
    private readonly serialize: () => string,
  ) {}

  write(): Promise<void> {
    if (!this.inFlight) {
      this.inFlight = this.flush();
      return this.inFlight;
    }
    if (!this.next) {
      let resolve!: () => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { promise, resolve, reject };
    }
    return this.next.promise;
  }

  private async flush(): Promise<void> {
    try {
      await writeFileAtomic(this.path, this.serialize());
    } finally {
      const waiting = this.next;
      this.next = undefined;
      this.inFlight = undefined;
      if (waiting) {
        this.inFlight = this.flush();
        this.inFlight.then(waiting.resolve, waiting.reject);
      }
    }
  }

  /** Resolves when nothing is pending. */
  async idle(): Promise<void> {
    while (this.inFlight) await this.inFlight.catch(() => undefined);
  }
}
