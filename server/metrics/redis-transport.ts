import type { Logger } from "../logging/logger";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { parseSnapshot, type InstanceSnapshot } from "./snapshot";
import type { SnapshotListener, SnapshotTransport } from "./transport";

export interface RedisSnapshotTransportDeps {
  /** For XADD: fails fast while Redis is away, and the next second's snapshot simply tries again. */
  command: RedisClient;
  /** A connection of its own for the blocking XREAD; this transport closes it. */
  reader: RedisClient;
  keys: RedisKeys;
  logger: Logger;
  /** How much history the stream keeps (and a new reader replays). */
  retentionMs: number;
  blockMs?: number;
}

type StreamEntry = [id: string, fields: string[]];

/**
 * Snapshots in one Redis stream, `{metrics}:snapshots`, trimmed by age (XADD MINID). A stream rather than
 * pub/sub: a reader that was away (Redis outage, new instance) resumes from the last id it saw instead of
 * silently missing seconds, and one hash tag keeps it valid on a Cluster.
 */
export class RedisSnapshotTransport implements SnapshotTransport {
  private readonly key: string;
  private closed = false;
  private loop?: Promise<void>;
  private lastErrorLog = 0;

  constructor(private readonly deps: RedisSnapshotTransportDeps) {
    this.key = deps.keys.key("metrics", "snapshots");
  }

  async publish(snapshot: InstanceSnapshot): Promise<void> {
    const minId = `${Math.max(0, Date.now() - this.deps.retentionMs)}-0`;
    await this.deps.command.xadd(this.key, "MINID", "~", minId, "*", "s", JSON.stringify(snapshot));
  }

  subscribe(listener: SnapshotListener): void {
    this.loop ??= this.run(listener);
  }

  private async run(listener: SnapshotListener): Promise<void> {
    let lastId = `${Math.max(0, Date.now() - this.deps.retentionMs)}-0`;
    let replayed = false;
    while (!this.closed) {
      try {
        if (!replayed) {
          const past: InstanceSnapshot[] = [];
          for (;;) {
            const entries = (await this.deps.reader.xrange(
              this.key,
              `(${lastId}`,
              "+",
              "COUNT",
              1000,
            )) as StreamEntry[];
            if (entries.length === 0) break;
            lastId = entries[entries.length - 1]![0];
            past.push(...decode(entries));
          }
          replayed = true;
          listener(past, true);
        }
        const res = (await this.deps.reader.xread(
          "COUNT",
          1000,
          "BLOCK",
          this.deps.blockMs ?? 2_000,
          "STREAMS",
          this.key,
          lastId,
        )) as [string, StreamEntry[]][] | null;
        const entries = res?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        lastId = entries[entries.length - 1]![0];
        listener(decode(entries), false);
      } catch (err) {
        if (this.closed) return;
        const now = Date.now();
        if (now - this.lastErrorLog > 10_000) {
          this.lastErrorLog = now;
          this.deps.logger.warn(
            { err: (err as Error).message },
            "reading instance snapshots failed; retrying",
          );
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A blocked XREAD would hold QUIT back for blockMs; the reader is ours, so drop it at once.
    this.deps.reader.disconnect();
    await this.loop;
  }
}

function decode(entries: StreamEntry[]): InstanceSnapshot[] {
  const out: InstanceSnapshot[] = [];
  for (const [, fields] of entries) {
    const i = fields.indexOf("s");
    const snap = i >= 0 ? parseSnapshot(fields[i + 1] ?? "") : undefined;
    if (snap) out.push(snap);
  }
  return out;
}
