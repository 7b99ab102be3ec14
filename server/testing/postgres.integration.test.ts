import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type SqlDatabase } from "../db/open";
import { TestPostgres } from "./postgres";
import { tempDir } from "./temp-dir";

describe("TestPostgres", () => {
  let cluster: TestPostgres;
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    dir = await tempDir();
    cluster = await TestPostgres.start({ fsync: true });
  });

  afterAll(async () => {
    try {
      await cluster?.stop();
    } finally {
      await dir?.remove();
    }
  });

  it("keeps a committed row through a SIGKILL and a restart on the same port, and is unreachable meanwhile", async () => {
    const url = await cluster.createDatabase();
    expect(url).not.toContain(":5432/");
    let database: SqlDatabase = await openDatabase({ url, dataDir: dir.path });
    await database.db.insertInto("settings").values({ name: "kept", value: "yes" }).execute();
    await database.close();

    await cluster.kill();
    expect(cluster.running).toBe(false);
    await expect(openDatabase({ url, dataDir: dir.path })).rejects.toThrow(
      /^DATABASE_URL: cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/t\d+/,
    );

    await cluster.restart();
    expect(cluster.running).toBe(true);
    database = await openDatabase({ url, dataDir: dir.path });
    try {
      const row = await database.db
        .selectFrom("settings")
        .select("value")
        .where("name", "=", "kept")
        .executeTakeFirst();
      expect(row?.value).toBe("yes");
    } finally {
      await database.close();
    }
  });
});
