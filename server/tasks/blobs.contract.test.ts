import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractBackends, type ContractEnv } from "../testing/backends";
import type { BlobStore } from "./blobs";
import { SqlBlobStore } from "./blobs.sql";

/** A store over `env`'s storage; a second one over the same env stands for another process, or a restart. */
function storeFor(env: ContractEnv): BlobStore {
  return new SqlBlobStore(env.sql!);
}

const HOUR = 3600;
/** Every byte value, and bytes that are not valid UTF-8: blobs are binary. */
const binary = Buffer.from([...Array.from({ length: 256 }, (_, i) => i), 0xff, 0xfe, 0x00, 0xc3]);

describe.each(contractBackends({ sql: true }))("BlobStore contract ($name)", (backend) => {
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());

  it("gives back exactly the bytes it was given, and nothing for a key it never had", async () => {
    const store = storeFor(await backend.fresh());
    await store.put("upload-1", binary, HOUR);
    await store.put("empty", Buffer.alloc(0), HOUR);
    const big = Buffer.alloc(3 * 1024 * 1024, "time,value\n1,2\n");
    await store.put("upload-big.csv", big, HOUR);
    expect(await store.get("upload-1")).toEqual(binary);
    expect(await store.get("empty")).toEqual(Buffer.alloc(0));
    expect((await store.get("upload-big.csv"))?.equals(big)).toBe(true);
    expect(await store.get("upload-2")).toBeUndefined();
  });

  it("replaces a blob put again under its key, and deletes one; deleting a missing key is no error", async () => {
    const store = storeFor(await backend.fresh());
    await store.put("export-t1.json", Buffer.from("first"), HOUR);
    await store.put("export-t1.json", Buffer.from("second"), HOUR);
    await store.put("export-t1.csv", Buffer.from("kept"), HOUR);
    expect((await store.get("export-t1.json"))?.toString()).toBe("second");
    await store.delete("export-t1.json");
    expect(await store.get("export-t1.json")).toBeUndefined();
    await store.delete("export-t1.json");
    await store.delete("never-there");
    expect((await store.get("export-t1.csv"))?.toString()).toBe("kept");
  });

  it("is shared: what one store puts or deletes, another over the same storage sees", async () => {
    const env = await backend.fresh();
    const web = storeFor(env);
    const worker = storeFor(env);
    await web.put("upload-shared", Buffer.from("time,value\n"), HOUR);
    expect((await worker.get("upload-shared"))?.toString()).toBe("time,value\n");
    await worker.delete("upload-shared");
    expect(await web.get("upload-shared")).toBeUndefined();
    // Stores over other storage see none of it.
    const other = storeFor(await backend.fresh());
    await web.put("upload-mine", Buffer.from("x"), HOUR);
    expect(await other.get("upload-mine")).toBeUndefined();
  });

  it("forgets a blob once its TTL has passed, for every store over the same storage, a reopened one included", async () => {
    const env = await backend.fresh();
    const store = storeFor(env);
    await store.put("short", Buffer.from("gone soon"), 1);
    await store.put("long", Buffer.from("stays"), HOUR);
    expect((await store.get("short"))?.toString()).toBe("gone soon");
    await new Promise((r) => setTimeout(r, 1_300));
    expect(await store.get("short")).toBeUndefined();
    const reopened = storeFor(env);
    expect(await reopened.get("short")).toBeUndefined();
    expect((await reopened.get("long"))?.toString()).toBe("stays");
    // Put again, an expired key lives again with its new TTL.
    await reopened.put("short", Buffer.from("back"), HOUR);
    expect((await store.get("short"))?.toString()).toBe("back");
  });

  it("refuses keys that are not plain names, so that no key reaches outside the store", async () => {
    const store = storeFor(await backend.fresh());
    for (const key of ["", ".", "..", "../users", "a/b", "a\\b", ".hidden", "a b", "é", "x".repeat(129)]) {
      await expect(store.put(key, Buffer.from("x"), HOUR), key).rejects.toThrow(/invalid blob key/);
      await expect(store.get(key), key).rejects.toThrow(/invalid blob key/);
      await expect(store.delete(key), key).rejects.toThrow(/invalid blob key/);
    }
    await store.put("x".repeat(128), Buffer.from("longest"), HOUR);
    expect((await store.get("x".repeat(128)))?.toString()).toBe("longest");
  });
});
