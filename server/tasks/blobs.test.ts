import { readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../testing/temp-dir";
import { FileBlobStore } from "./blobs";

describe("FileBlobStore sweep", () => {
  const removes: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(removes.splice(0).map((f) => f()));
  });

  it("removes expired blobs, files that are not blobs, and old temporary files, and keeps the rest", async () => {
    const dir = await tempDir();
    removes.push(dir.remove);
    const store = new FileBlobStore(dir.path);
    await store.put("expired", Buffer.from("old"), 1);
    await store.put("live", Buffer.from("new"), 3600);
    const blobs = join(dir.path, "blobs");
    await writeFile(join(blobs, "not-a-blob.csv"), "time,value\n");
    await writeFile(join(blobs, "live.0123abcd.tmp"), "half");
    await writeFile(join(blobs, "stray.0123abcd.tmp"), "half");
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(blobs, "stray.0123abcd.tmp"), twoHoursAgo, twoHoursAgo);
    await new Promise((r) => setTimeout(r, 1_100));

    await store.sweep();
    expect((await readdir(blobs)).sort()).toEqual(["live", "live.0123abcd.tmp"]);
    expect((await store.get("live"))?.toString()).toBe("new");
    // A store whose folder does not exist yet has nothing to sweep.
    await new FileBlobStore(join(dir.path, "nothing-here")).sweep();
  });
});
