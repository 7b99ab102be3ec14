import { open, readFile, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { writeFileAtomic } from "../storage/atomic-file";

/** Uploaded files and produced exports, shared by web instances and workers, kept for `ttlSeconds`. */
export interface BlobStore {
  /** With an `owner`, the bytes count against that user's storage quota until deleted or expired. */
  put(key: string, data: Buffer, ttlSeconds: number, owner?: string): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
  /** Removes what has expired, for stores where nothing expires by itself (files, SQL rows). */
  sweep?(): Promise<void>;
}

/** Where stored bytes are counted per user (`Quotas`); `reserve` throws QUOTA_EXCEEDED when they do not fit. */
export interface BlobAccount {
  reserveBytes(owner: string, key: string, bytes: number, ttlMs: number): Promise<void>;
  releaseBytes(owner: string, key: string): Promise<void>;
}

/** Beside an owned blob, a small blob naming its owner, so that deleting the blob frees that user's bytes. */
const ownerKey = (key: string) => `${key}.owner`;

/**
 * Counts owned blobs against their owner's quota: a put reserves first (and stores nothing when refused), a
 * delete releases. A blob that expires frees its bytes by itself, as the reservation expires with it.
 */
export class AccountedBlobStore implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly account: BlobAccount,
  ) {}

  async put(key: string, data: Buffer, ttlSeconds: number, owner?: string): Promise<void> {
    if (owner === undefined) return this.inner.put(key, data, ttlSeconds);
    await this.account.reserveBytes(owner, key, data.length, ttlSeconds * 1000);
    try {
      await this.inner.put(ownerKey(key), Buffer.from(owner), ttlSeconds);
      await this.inner.put(key, data, ttlSeconds);
    } catch (err) {
      await this.account.releaseBytes(owner, key);
      throw err;
    }
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }

  async delete(key: string): Promise<void> {
    const owner = await this.inner.get(ownerKey(key));
    await this.inner.delete(key);
    await this.inner.delete(ownerKey(key));
    if (owner) await this.account.releaseBytes(owner.toString(), key);
  }
}

/** A plain file name: letters, digits, `_`, `-` and `.`, never first, so neither `.` nor `..` is a key. */
const SAFE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

export function checkKey(key: string): string {
  if (!SAFE_KEY.test(key)) throw new Error(`invalid blob key ${JSON.stringify(key.slice(0, 200))}`);
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

/** A file is the magic, the expiry (ms since the epoch, a big-endian double), then the blob. */
const MAGIC = Buffer.from("PBBLOB1\n");
const HEADER_BYTES = MAGIC.length + 8;
/** Temporary files of writes that never finished are removed after this long. */
const STRAY_TMP_MS = 3600_000;

function expiryOf(header: Buffer): number | undefined {
  if (header.length < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  return header.readDoubleBE(MAGIC.length);
}

/** A file that `FileBlobStore` wrote, read back: its expiry and its bytes; undefined when it is not one. */
export function decodeBlobFile(file: Buffer): { expiresAt: number; data: Buffer } | undefined {
  const expiresAt = expiryOf(file);
  return expiresAt === undefined ? undefined : { expiresAt, data: file.subarray(HEADER_BYTES) };
}

/**
 * Embedded mode: one file per blob under `DATA_DIR/blobs`, its expiry written in the file, so that it holds
 * across restarts. `sweep` removes expired files; the task runtime runs it at start and hourly.
 */
export class FileBlobStore implements BlobStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, "blobs");
  }

  private path(key: string): string {
    return join(this.dir, checkKey(key));
  }

  async put(key: string, data: Buffer, ttlSeconds: number): Promise<void> {
    const path = this.path(key);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header);
    header.writeDoubleBE(Date.now() + ttlSeconds * 1000, MAGIC.length);
    await writeFileAtomic(path, Buffer.concat([header, data]));
  }

  async get(key: string): Promise<Buffer | undefined> {
    const path = this.path(key);
    let file: Buffer;
    try {
      file = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    const expiry = expiryOf(file);
    if (expiry === undefined || expiry <= Date.now()) return undefined;
    return file.subarray(HEADER_BYTES);
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  /** Removes expired blobs, files that are not blobs, and temporary files of writes that never finished. */
  async sweep(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const now = Date.now();
    for (const name of names) {
      const path = join(this.dir, name);
      let remove: boolean;
      if (name.endsWith(".tmp")) {
        remove = await stat(path).then(
          (s) => now - s.mtimeMs > STRAY_TMP_MS,
          () => false,
        );
      } else {
        // A file that cannot be read now (gone meanwhile, or not a file) is left alone.
        const expiry = await readHeader(path).then(expiryOf, () => Infinity);
        remove = expiry === undefined || expiry <= now;
      }
      if (remove) await rm(path, { force: true });
    }
  }
}

async function readHeader(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(header, 0, HEADER_BYTES, 0);
    return header.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
