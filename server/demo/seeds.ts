import { join } from "node:path";
import { own } from "@/lib/util/own";
import type { SqlDatabase } from "../db/open";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";
import { JsonDoc } from "../storage/json-doc";

/** Things created once per installation (the welcome board), remembered across restarts and instances. */
export interface SeedMarks {
  /** Runs `create` unless `name` was seeded before; resolves with what it created, or undefined. */
  once(name: string, create: () => Promise<string>): Promise<string | undefined>;
}

/** Embedded: `seed.json` in the data folder, written once `create` succeeded (a failed one runs again). */
export class FileSeedMarks implements SeedMarks {
  private readonly doc: JsonDoc<Record<string, string>>;

  constructor(dataDir: string) {
    this.doc = new JsonDoc(join(dataDir, "seed.json"), () => ({}));
  }

  async once(name: string, create: () => Promise<string>): Promise<string | undefined> {
    if (own(await this.doc.read(), name)) return undefined;
    const id = await create();
    await this.doc.update((d) => Object.defineProperty(d, name, { value: id, enumerable: true }));
    return id;
  }
}

/** Redis: claimed with SET NX before `create`, so that of many instances starting at once only one seeds. */
export class RedisSeedMarks implements SeedMarks {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async once(name: string, create: () => Promise<string>): Promise<string | undefined> {
    const first = await this.redis.set(this.keys.key("seed", name), "1", "NX");
    return first === "OK" ? create() : undefined;
  }
}

/**
 * The SQL system of record: claimed by inserting `seed.<name>` into `settings` before `create`, so that of many
 * instances starting at once only one seeds, and a Redis that was wiped does not seed again.
 */
export class SqlSeedMarks implements SeedMarks {
  constructor(private readonly database: SqlDatabase) {}

  async once(name: string, create: () => Promise<string>): Promise<string | undefined> {
    const setting = `seed.${name}`;
    const claimed = await this.database.db
      .insertInto("settings")
      .values({ name: setting, value: "" })
      .onConflict((oc) => oc.column("name").doNothing())
      .returning("name")
      .executeTakeFirst();
    if (!claimed) return undefined;
    const id = await create();
    await this.database.db.updateTable("settings").set({ value: id }).where("name", "=", setting).execute();
    return id;
  }
}
