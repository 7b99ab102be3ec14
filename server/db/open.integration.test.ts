import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { TestPostgres } from "../testing/postgres";
import { tempDir } from "../testing/temp-dir";
import { openDatabase } from "./open";

describe("openDatabase on PostgreSQL", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const f of cleanups.splice(0).reverse()) await f();
  });

  it("survives PostgreSQL dying while a transaction holds a connection between two queries", async () => {
    const cluster = await TestPostgres.start();
    cleanups.push(() => cluster.stop());
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const database = await openDatabase({ url: await cluster.createDatabase(), dataDir: dir.path });
    cleanups.push(() => database.close());

    const transaction = database.db.transaction().execute(async (tx) => {
      await sql`select 1`.execute(tx);
      // The server dies while this transaction's connection waits for the next query, as a commit's does while
      // its own code runs. The connection's error then arrives with no query to hand it to.
      await cluster.kill();
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
      await sql`select 1`.execute(tx);
    });
    // The transaction fails, and nothing is thrown out of the connection (that would end the process).
    await expect(transaction).rejects.toThrow();

    // Once PostgreSQL is back, the same database serves again.
    await cluster.spawn();
    const { rows } = await sql<{ n: number }>`select 1 as n`.execute(database.db);
    expect(rows).toEqual([{ n: 1 }]);
  });
});
