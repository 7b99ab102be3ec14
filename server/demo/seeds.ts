import type { SqlDatabase } from "../db/open";

/** Things created once per installation (the welcome board), remembered across restarts and instances. */
export interface SeedMarks {
  /** Runs `create` unless `name` was seeded before; resolves with what it created, or undefined. */
  once(name: string, create: () => Promise<string>): Promise<string | undefined>;
}

/**
 * The SQL system of record, in both modes (embedded: SQLite, where the previous version's `seed.json` is imported
 * once): claimed by inserting `seed.<name>` into `settings` before `create`, so that of many instances starting at
 * once only one seeds, and a Redis that was wiped does not seed again. A `create` that fails gives the claim back.
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
    let id: string;
    try {
      id = await create();
    } catch (err) {
      // A failed seed runs again at the next start: the claim goes.
      await this.database.db
        .deleteFrom("settings")
        .where("name", "=", setting)
        .where("value", "=", "")
        .execute()
        .catch(() => undefined);
      throw err;
    }
    await this.database.db.updateTable("settings").set({ value: id }).where("name", "=", setting).execute();
    return id;
  }
}
