import type { CommittedOp } from "@/lib/protocol/boards";
import type { BoardDoc } from "@/lib/boards/types";
import { AppError } from "@/lib/protocol/errors";

export type CommitResult =
  | { status: "ok" }
  /** The board moved on since `expectedRev`: here it is as it stands now; try again on top of it. */
  | { status: "stale"; rev: number; current: BoardDoc }
  /** One of the opIds was applied before: here is its original entry. Nothing was committed. */
  | { status: "duplicate"; entry: CommittedOp }
  | { status: "missing" };

/**
 * Boards, their op logs and applied opIds. `commit` is the one atomic step behind every change: it checks that no
 * opId among `entries` was applied before and that the board is still at `expectedRev`, then stores the new doc,
 * appends the entries (at revisions expectedRev + 1, + 2, ...) to the bounded log and remembers their opIds, all or
 * nothing. Several ops commit together when they queue up behind each other. Implementations pass
 * `store.contract.test.ts`.
 */
export interface BoardStore {
  /** Fails (returns false) when the id is taken. */
  create(doc: BoardDoc): Promise<boolean>;
  load(boardId: string): Promise<BoardDoc | undefined>;
  commit(boardId: string, expectedRev: number, next: BoardDoc, entries: CommittedOp[]): Promise<CommitResult>;
  committed(boardId: string, opId: string): Promise<CommittedOp | undefined>;
  /**
   * Entries after `sinceRev`, oldest first, at most `limit`; `undefined` when the log no longer reaches back that
   * far (the caller sends a snapshot instead).
   */
  entriesSince(boardId: string, sinceRev: number, limit: number): Promise<CommittedOp[] | undefined>;
  delete(boardId: string): Promise<void>;
  /** Ids of the boards where `user` is owner or member; may include stale ids, callers re-check membership. */
  boardIdsOf(user: string): Promise<string[]>;
  /** Keeps the per-user index in step after a membership change. */
  indexMember(user: string, boardId: string, member: boolean): Promise<void>;
  /** Forgets the board's document held in memory, if any: nobody has it open here. The next read reloads it. */
  release?(boardId: string): void;
  /** The boards whose documents this store holds in memory. */
  held?(): string[];
  close(): Promise<void>;
}

/**
 * What every commit must be, whatever the store: each opId once, and revisions expectedRev + 1, + 2, ... with no
 * gap. A commit that breaks it is a bug in the caller and changes nothing.
 */
export function assertCommitShape(expectedRev: number, entries: readonly CommittedOp[]): void {
  const opIds = new Set<string>();
  entries.forEach((entry, i) => {
    if (opIds.has(entry.opId))
      throw new AppError("INTERNAL", "a commit carries one opId twice", { opId: entry.opId });
    opIds.add(entry.opId);
    if (entry.rev !== expectedRev + 1 + i)
      throw new AppError("INTERNAL", "the revisions of a commit must follow the board revision", {
        rev: entry.rev,
      });
  });
}
