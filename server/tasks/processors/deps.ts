import type { CommittedOp } from "@/lib/protocol/boards";
import type { BoardOp } from "@/lib/protocol/boards";
import { AppError } from "@/lib/protocol/errors";
import type { BoardService } from "../../boards/service";
import type { Broadcaster } from "../../realtime/broadcaster";
import { boardRoom } from "../../realtime/rooms";
import type { BlobStore } from "../blobs";
import { TaskFailure } from "../queue";

export interface ProcessorDeps {
  boards: BoardService;
  blobs: BlobStore;
  broadcaster: Broadcaster;
  /** Points per `chart.append` op when importing. */
  importBatchSize: number;
  /** At most this many import batches per second (0: unlimited), so viewers are not flooded with ops. */
  importBatchesPerSecond: number;
  /** Data rows one CSV import may have; a larger file is refused. */
  importMaxRows: number;
}

/**
 * Applies an op as the task's owner, with an opId derived from the task, so a task that runs twice (retry,
 * stalled worker) applies it once. Publishes the committed op to the board's viewers.
 */
export async function applyAsOwner(
  deps: ProcessorDeps,
  owner: string,
  boardId: string,
  opId: string,
  op: BoardOp,
): Promise<CommittedOp> {
  try {
    const { entry } = await deps.boards.apply(owner, boardId, opId, op);
    // One board:op per op, not coalesced: a worker process has no instance's fan-out, and its imports are paced by
    // TASK_IMPORT_BATCHES_PER_SEC (each op already carries up to TASK_IMPORT_BATCH_SIZE points).
    deps.broadcaster.to(boardRoom(boardId)).emit("board:op", { boardId, entry });
    return entry;
  } catch (err) {
    // Refusals that retrying cannot fix fail the task at once, with the board's own explanation.
    if (err instanceof AppError && ["FORBIDDEN", "NOT_FOUND", "VALIDATION", "CONFLICT"].includes(err.code)) {
      throw new TaskFailure({ message: err.message, retryable: false });
    }
    throw err;
  }
}

export async function openAsOwner(deps: ProcessorDeps, owner: string, boardId: string) {
  try {
    return await deps.boards.open(owner, boardId);
  } catch (err) {
    if (err instanceof AppError && err.code === "NOT_FOUND")
      throw new TaskFailure({ message: err.message, retryable: false });
    throw err;
  }
}
