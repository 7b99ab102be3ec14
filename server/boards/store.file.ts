import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { roleOf, type BoardDoc } from "@/lib/boards/types";
import { LIMITS } from "@/lib/boards/limits";
import type { CommittedOp } from "@/lib/protocol/boards";
import { readJsonFile } from "../storage/atomic-file";
import { CoalescingWriter } from "../storage/coalescing-writer";
import { KeyedMutex } from "../util/keyed-mutex";
import { assertCommitShape, type BoardStore, type CommitResult } from "./store";

/** How many applied opIds a board remembers for dedupe; clients resend within seconds, not thousands of ops. */
const OPIDS_KEPT = 5_000;

interface BoardRecord {
  doc: BoardDoc;
  log: CommittedOp[];
  opIds: Map<string, CommittedOp>;
  /** A commit being written: in the file, not yet in memory. */
  staged?: { doc: BoardDoc; entries: CommittedOp[] };
  writer: CoalescingWriter;
}

const withinLimit = <T>(items: T[], limit: number): T[] =>
  items.length > limit ? items.slice(items.length - limit) : items;

interface BoardFile {
  version: 1;
  doc: BoardDoc;
  log: CommittedOp[];
  opIds: [string, CommittedOp][];
}

/**
 * Embedded mode: boards in memory, each persisted to its own file under `DATA_DIR/boards`. A commit resolves only
 * after the file holding it is on disk, so an acknowledged op survives a restart. One process owns the folder.
 */
export class FileBoardStore implements BoardStore {
  private readonly boards = new Map<string, BoardRecord>();
  private readonly perBoard = new KeyedMutex();

  private constructor(private readonly dir: string) {}

  static async open(dataDir: string): Promise<FileBoardStore> {
    const store = new FileBoardStore(join(dataDir, "boards"));
    let names: string[] = [];
    try {
      names = await readdir(store.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const file = await readJsonFile<BoardFile>(join(store.dir, name));
      if (file?.version === 1)
        store.boards.set(file.doc.id, store.track(file.doc, file.log, new Map(file.opIds)));
    }
    return store;
  }

  private file(boardId: string): string {
    return join(this.dir, `${boardId}.json`);
  }

  private track(doc: BoardDoc, log: CommittedOp[], opIds: Map<string, CommittedOp>): BoardRecord {
    const record: BoardRecord = {
      doc,
      log,
      opIds,
      writer: new CoalescingWriter(this.file(doc.id), () => {
        const staged = record.staged?.entries ?? [];
        const opIds: [string, CommittedOp][] = [
          ...record.opIds,
          ...staged.map((e): [string, CommittedOp] => [e.opId, e]),
        ];
        return JSON.stringify({
          version: 1,
          doc: record.staged?.doc ?? record.doc,
          log: withinLimit([...record.log, ...staged], LIMITS.logLength),
          opIds: withinLimit(opIds, OPIDS_KEPT),
        } satisfies BoardFile);
      }),
    };
    return record;
  }

  create(doc: BoardDoc): Promise<boolean> {
    return this.perBoard.run(doc.id, async () => {
      if (this.boards.has(doc.id)) return false;
      // Listed only once on disk: a board whose creation failed was never there for anyone to load.
      const record = this.track(doc, [], new Map());
      await record.writer.write();
      this.boards.set(doc.id, record);
      return true;
    });
  }

  async load(boardId: string): Promise<BoardDoc | undefined> {
    return this.boards.get(boardId)?.doc;
  }

  commit(
    boardId: string,
    expectedRev: number,
    next: BoardDoc,
    entries: CommittedOp[],
  ): Promise<CommitResult> {
    // One commit per board at a time: each checks the revision that the one before it left on disk.
    return this.perBoard.run(boardId, () => this.commitNow(boardId, expectedRev, next, entries));
  }

  private async commitNow(
    boardId: string,
    expectedRev: number,
    next: BoardDoc,
    entries: CommittedOp[],
  ): Promise<CommitResult> {
    assertCommitShape(expectedRev, entries);
    const record = this.boards.get(boardId);
    if (!record) return { status: "missing" };
    for (const entry of entries) {
      const dup = record.opIds.get(entry.opId);
      if (dup) return { status: "duplicate", entry: dup };
    }
    if (record.doc.rev !== expectedRev) return { status: "stale", rev: record.doc.rev, current: record.doc };
    // Staged, not applied: the file is written with the op, and readers see it only once it is on disk. A failed
    // write leaves memory as it was, so a resend of the same opId is applied afresh rather than answered as a
    // duplicate of a change that a restart would lose.
    record.staged = { doc: next, entries };
    try {
      await record.writer.write();
    } finally {
      record.staged = undefined;
    }
    record.doc = next;
    record.log.push(...entries);
    if (record.log.length > LIMITS.logLength) record.log.splice(0, record.log.length - LIMITS.logLength);
    for (const entry of entries) record.opIds.set(entry.opId, entry);
    while (record.opIds.size > OPIDS_KEPT) record.opIds.delete(record.opIds.keys().next().value!);
    return { status: "ok" };
  }

  async committed(boardId: string, opId: string): Promise<CommittedOp | undefined> {
    return this.boards.get(boardId)?.opIds.get(opId);
  }

  async entriesSince(boardId: string, sinceRev: number, limit: number): Promise<CommittedOp[] | undefined> {
    const record = this.boards.get(boardId);
    if (!record) return undefined;
    if (sinceRev >= record.doc.rev) return [];
    const first = record.log[0];
    if (!first || first.rev > sinceRev + 1) return undefined;
    const start = sinceRev + 1 - first.rev;
    return record.log.slice(start, start + limit);
  }

  async delete(boardId: string): Promise<void> {
    const record = this.boards.get(boardId);
    if (!record) return;
    this.boards.delete(boardId);
    await record.writer.idle();
    await rm(this.file(boardId), { force: true });
  }

  async boardIdsOf(user: string): Promise<string[]> {
    const ids: string[] = [];
    for (const { doc } of this.boards.values()) if (roleOf(doc, user)) ids.push(doc.id);
    return ids;
  }

  async indexMember(): Promise<void> {
    // The index is computed from the boards themselves.
  }

  async close(): Promise<void> {
    await Promise.all([...this.boards.values()].map((r) => r.writer.idle()));
  }
}
