import type { SqlDatabase } from "../db/open";
import { checkKey, type BlobStore } from "./blobs";

/**
 * Task files (uploads waiting to be imported, exports kept for download) as rows of `task_files` in the SQL system
 * of record, each with its expiry; `sweep` deletes the expired ones.
 */
export class SqlBlobStore implements BlobStore {
  constructor(
    private readonly database: SqlDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  private get db() {
    return this.database.db;
  }

  async put(key: string, data: Buffer, ttlSeconds: number): Promise<void> {
    checkKey(key);
    const now = this.now();
    const row = { bytes: data.length, data, created_at: now, expires_at: now + ttlSeconds * 1000 };
    await this.db
      .insertInto("task_files")
      .values({ key, ...row })
      .onConflict((oc) => oc.column("key").doUpdateSet(row))
      .execute();
  }

  async get(key: string): Promise<Buffer | undefined> {
    const row = await this.db
      .selectFrom("task_files")
      .select("data")
      .where("key", "=", checkKey(key))
      .where("expires_at", ">", this.now())
      .executeTakeFirst();
    return row ? Buffer.from(row.data) : undefined;
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom("task_files").where("key", "=", checkKey(key)).execute();
  }

  /** Deletes the expired files. */
  async sweep(): Promise<void> {
    await this.db.deleteFrom("task_files").where("expires_at", "<=", this.now()).execute();
  }
}
