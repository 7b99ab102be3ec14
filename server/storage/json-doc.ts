import { stat } from "node:fs/promises";
import { readJsonFile, withFileLock, writeFileAtomic } from "./atomic-file";

/**
 * A small JSON document on disk that several processes may read and change (users, limits). Reads are cached
 * by mtime; every update re-reads under a lock, so a change made by a CLI is never overwritten by the server.
 */
export class JsonDoc<T> {
  private cache?: { mtimeMs: number; value: T };

  constructor(
    readonly path: string,
    private readonly empty: () => T,
  ) {}

  async read(): Promise<T> {
    const mtimeMs = await stat(this.path).then(
      (s) => s.mtimeMs,
      () => -1,
    );
    if (mtimeMs === -1) return this.empty();
    if (this.cache && this.cache.mtimeMs === mtimeMs) return this.cache.value;
    const value = (await readJsonFile<T>(this.path)) ?? this.empty();
    this.cache = { mtimeMs, value };
    return value;
  }

  /** Applies `fn` to the current document and persists the result before resolving. */
  async update<R>(fn: (doc: T) => R): Promise<R> {
    return withFileLock(this.path, async () => {
      this.cache = undefined;
      const doc = await this.read();
      const result = fn(doc);
      await writeFileAtomic(this.path, JSON.stringify(doc, null, 2));
      this.cache = undefined;
      return result;
    });
  }
}
