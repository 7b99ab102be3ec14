import { mkdir, rename as move, writeFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { applyOp, newBoard } from "@/lib/boards/apply";
import type { CommittedOp } from "@/lib/protocol/boards";
import { tempDir } from "../testing/temp-dir";
import { FileBoardStore } from "./store.file";

describe("FileBoardStore when the disk refuses a write", () => {
  const dirs: { remove(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => d.remove()));
  });

  it("keeps what did not reach the disk out of memory, so that a resend applies it afresh instead of acknowledging a lost change", async () => {
    const dir = await tempDir("pb-boards-disk-");
    dirs.push(dir);
    const store = await FileBoardStore.open(dir.path);
    const doc = newBoard({ id: "b", title: "A", owner: "alice", at: 1 });
    await store.create(doc);
    const op = { type: "board.rename" as const, title: "B", baseRev: 0 };
    const entry: CommittedOp = { rev: 1, opId: "op-disk-full-1", op, by: "alice", at: 2 };
    const next = applyOp(doc, op, 1, { by: "alice", at: 2 });

    // A file where the boards folder was: every write into it fails, as on a full or read-only disk.
    const boards = join(dir.path, "boards");
    await move(boards, `${boards}.away`);
    await writeFile(boards, "");
    await expect(store.commit("b", 0, next, [entry])).rejects.toThrow();
    await expect(store.create(newBoard({ id: "c", title: "C", owner: "alice", at: 3 }))).rejects.toThrow();
    expect(await store.load("c")).toBeUndefined();
    expect((await store.load("b"))?.rev).toBe(0);
    expect(await store.committed("b", entry.opId)).toBeUndefined();
    expect(await store.entriesSince("b", 0, 10)).toEqual([]);

    await rm(boards);
    await move(`${boards}.away`, boards);
    await mkdir(boards, { recursive: true });
    expect(await store.commit("b", 0, next, [entry])).toEqual({ status: "ok" });
    const reopened = await FileBoardStore.open(dir.path);
    expect(await reopened.load("b")).toEqual(next);
    expect(await reopened.committed("b", entry.opId)).toEqual(entry);
  });
});
