/** Uploaded files and produced exports, shared by web instances and workers, kept for `ttlSeconds`. */
export interface BlobStore {
  /** With an `owner`, the bytes count against that user's storage quota until deleted or expired. */
  put(key: string, data: Buffer, ttlSeconds: number, owner?: string): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
  /** Removes what has expired, for stores where nothing expires by itself (SQL rows). */
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
