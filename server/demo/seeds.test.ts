import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../db/open";
import { tempDir } from "../testing/temp-dir";
import { SqlSeedMarks } from "./seeds";

describe("seed marks in the database (embedded: SQLite)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it("seeds once across restarts, and a seed that failed runs again at the next start", async () => {
    const dir = await tempDir("pb-seeds-");
    cleanups.push(dir.remove);
    const runs: string[] = [];
    const start = async (fail = false) => {
      const database = await openDatabase({ dataDir: dir.path });
      try {
        return await new SqlSeedMarks(database).once("welcome", async () => {
          runs.push(fail ? "failed" : "created");
          if (fail) throw new Error("the board store is away");
          return "board-1";
        });
      } finally {
        await database.close();
      }
    };
    await expect(start(true)).rejects.toThrow("the board store is away");
    expect(await start()).toBe("board-1");
    expect(await start()).toBeUndefined();
    expect(runs).toEqual(["failed", "created"]);
    const database = await openDatabase({ dataDir: dir.path });
    try {
      const row = await database.db
        .selectFrom("settings")
        .select("value")
        .where("name", "=", "seed.welcome")
        .executeTakeFirst();
      expect(row).toEqual({ value: "board-1" });
    } finally {
      await database.close();
    }
  });
});
