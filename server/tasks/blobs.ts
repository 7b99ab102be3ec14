import { mkdir, readFile, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { writeFileAtomic } from "../storage/atomic-file";

/** Uploaded files and produced exports, shared by web instances and workers, kept for `ttlSeconds`. */
export interface BlobStore {
  put(key: string, data: Buffer, ttlSeconds: number): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

function checkKey(key: string): string {
  if (!SAFE_KEY.test(key)) throw new Error(`invalid blob key ${key}`);
  return key;
}

/** Redis mode: one string per blob, under its own hash tag, with a TTL. */
export class RedisBlobStore implements BlobStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  private k(key: string): string {
    return this.keys.key(`blob:${checkKey(key)}`, "data");
  }

  async put(key: string, data: Buffer, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.k(key), data, "EX", ttlSeconds);
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(this.k(key))) ?? undefined;
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }
}

/** Embedded mode: files under `DATA_DIR/blobs`; expired files are removed when the store opens and hourly. */
export class FileBlobStore implements BlobStore {
  private readonly dir: string;
  private readonly expiries = new Map<string, number>();

  constructor(dataDir: string) {
    this.dir = join(dataDir, "blobs");
  }

  async put(key: string, data: Buffer, ttlSeconds: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, checkKey(key)), data);
    this.expiries.set(key, Date.now() + ttlSeconds * 1000);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const expiry = this.expiries.get(key);
    if (expiry !== undefined && expiry < Date.now()) return undefined;
    try {
      return await readFile(join(this.dir, checkKey(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    this.expiries.delete(key);
    await rm(join(this.dir, checkKey(key)), { force: true });
  }

  /** Removes files older than `maxAgeMs` (their expiry is lost across restarts, so age stands in for it). */
  async sweep(maxAgeMs: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const now = Date.now();
    for (const name of names) {
      const expiry = this.expiries.get(name);
      const old = await stat(join(this.dir, name)).then(
        (s) => now - s.mtimeMs > maxAgeMs,
        () => false,
      );
      if ((expiry !== undefined && expiry < now) || (expiry === undefined && old))
        await rm(join(this.dir, name), { force: true });
    }
  }
}
