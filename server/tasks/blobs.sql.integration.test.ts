import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractBackends } from "../testing/backends";
import { SqlBlobStore } from "./blobs.sql";

const sqlBackends = contractBackends({ sql: true });

describe.each(sqlBackends)("SqlBlobStore ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("sweeps the rows of expired files and keeps the live ones", async () => {
    const env = await backend.fresh();
    let now = 1_700_000_000_000;
    const store = new SqlBlobStore(env.sql!, () => now);
    await store.put("short", Buffer.from("a"), 60);
    await store.put("long", Buffer.from("bb"), 3_600);
    now += 61_000;
    await store.sweep();
    const rows = await env.sql!.db.selectFrom("task_files").select(["key", "bytes"]).execute();
    expect(rows).toEqual([{ key: "long", bytes: 2 }]);
    expect((await store.get("long"))?.toString()).toBe("bb");
  });
});
