import type { CommittedOp } from "@/lib/protocol/boards";
import type { BoardDoc } from "@/lib/boards/types";
import { AppError } from "@/lib/protocol/errors";
import type { AuditRecord } from "../audit/audit-log";

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
  /** `audit`: entries the SQL store writes in the commit's transaction (sharing and role changes). */
  commit(
    boardId: string,
    expectedRev: number,
    next: BoardDoc,
    entries: CommittedOp[],
    audit?: AuditRecord[],
  ): Promise<CommitResult>;
  committed(boardId: string, opId: string): Promise<CommittedOp | undefined>;
  /**
   * Entries after `sinceRev`, oldest first, at most `limit`; `undefined` when the log no longer reaches back that
   * far (the caller sends a snapshot instead).
   */
  entriesSince(boardId: string, sinceRev: number, limit: number): Promise<CommittedOp[] | undefined>;
  /** With `audit`, the SQL store writes that entry in the deletion's transaction, when the board existed. */
  delete(boardId: string, audit?: AuditRecord): Promise<void>;
  /** Ids of the boards where `user` is owner or member; callers re-check membership on the board itself. */
  boardIdsOf(user: string): Promise<string[]>;
  /**
   * Ids of the boards where `user` is owner or member: `create` indexes the owner, and `commit` moves a member in or
   * out in the same step as the `member.set` that changes them. `indexMember` sets one entry by itself.
   */
  indexMember(user: string, boardId: string, member: boolean): Promise<void>;
  /**
   * The trash and the full history, for a store that keeps the whole op log (the SQL store). Without it, `delete`
   * is final and a board has no history beyond what `entriesSince` reaches.
   */
  readonly archive?: BoardArchive;
  /** Forgets the board's document held in memory, if any: nobody has it open here. The next read reloads it. */
  release?(boardId: string): void;
  /** The boards whose documents this store holds in memory. */
  held?(): string[];
  close(): Promise<void>;
}

/** A board in its owner's trash. */
export interface DeletedBoardRecord {
  doc: BoardDoc;
  deletedAt: number;
}

/**
 * What a store that keeps every op offers beyond `BoardStore`: `delete` moves a board to its owner's trash (it
 * loads as gone, but its log and snapshots stay) until `restore` brings it back or `purgeDeletedBefore` drops it.
 */
export interface BoardArchive {
  /** The boards `owner` deleted, newest deletion first. */
  deletedOf(owner: string): Promise<DeletedBoardRecord[]>;
  /** Brings a board out of the trash when it is there and `owner` owns it; false otherwise. */
  /** With `audit`, that entry is written in the restore's transaction, when the board came back. */
  restore(boardId: string, owner: string, audit?: AuditRecord): Promise<BoardDoc | undefined>;
  /** Drops for good the boards deleted before `at`; returns how many. */
  purgeDeletedBefore(at: number): Promise<number>;
  /** Logged ops with a revision below `beforeRev`, newest first, at most `limit`. */
  history(boardId: string, beforeRev: number, limit: number): Promise<CommittedOp[]>;
  /** The board as it stood at `rev`, or undefined when neither a snapshot nor the log reaches back that far. */
  docAt(boardId: string, rev: number): Promise<BoardDoc | undefined>;
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
