import { randomUUID } from "node:crypto";
import { BoardReplica } from "@/lib/boards/replica";
import type { MemberRole } from "@/lib/boards/types";
import type { BoardOpInput, CommittedOp, PresenceViewer } from "@/lib/protocol/boards";
import type { Ack } from "@/lib/protocol/ack";
import type { TestSocket } from "./clients";

export const newOpId = () => randomUUID().replace(/-/g, "");

/**
 * A board client as the browser behaves: applies committed ops in revision order, fetches what it missed on a
 * gap or a resync hint, and records every revision it saw in order (for order assertions).
 */
export class TestBoardClient {
  replica?: BoardReplica;
  /** Revisions in the order this client applied them. */
  readonly applied: number[] = [];
  presence: PresenceViewer[] = [];
  syncs = 0;
  private syncing?: Promise<void>;

  constructor(
    readonly socket: TestSocket,
    readonly boardId: string,
  ) {
    socket.on("board:op", ({ boardId, entry }) => {
      if (boardId === this.boardId) this.receive(entry);
    });
    socket.on("board:ops", ({ boardId, entries }) => {
      if (boardId === this.boardId) for (const entry of entries) this.receive(entry);
    });
    socket.on("board:resync", () => void this.sync());
    socket.on("board:presence", ({ boardId, viewers }) => {
      if (boardId === this.boardId) this.presence = viewers;
    });
  }

  async join(): Promise<void> {
    const res = await this.socket.emitWithAck("board:join", { boardId: this.boardId });
    if (!res.ok) throw new Error(`join failed: ${res.error.code} ${res.error.message}`);
    this.replica = new BoardReplica(res.board);
    this.presence = res.presence;
  }

  get doc() {
    if (!this.replica) throw new Error("not joined");
    return this.replica.doc;
  }

  receive(entry: CommittedOp): void {
    if (!this.replica) return;
    const before = this.replica.rev;
    const outcome = this.replica.receive(entry);
    for (let r = before + 1; r <= this.replica.rev; r++) this.applied.push(r);
    if (outcome === "gap") void this.sync();
  }

  sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const replica = this.replica;
        if (!replica) return;
        this.syncs++;
        const res = await this.socket.emitWithAck("board:sync", {
          boardId: this.boardId,
          sinceRev: replica.rev,
        });
        if (!res.ok) throw new Error(`sync failed: ${res.error.code}`);
        const before = replica.rev;
        replica.applySync(res);
        for (let r = before + 1; r <= replica.rev; r++) this.applied.push(r);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Sends an op and applies its committed entry on success. */
  async op(op: BoardOpInput, opId = newOpId()): Promise<Ack<{ entry: CommittedOp }>> {
    const res = await this.socket.emitWithAck("board:op", { boardId: this.boardId, opId, op });
    if (res.ok) this.receive(res.entry);
    return res;
  }
}

/** A board made by the socket's user, joined, and shared with `member` when given: the owner's client. */
export async function createSharedBoard(
  socket: TestSocket,
  title: string,
  member?: { user: string; role: MemberRole },
): Promise<TestBoardClient> {
  const created = await socket.emitWithAck("board:create", { title });
  if (!created.ok) throw new Error(created.error.message);
  const owner = new TestBoardClient(socket, created.board.id);
  await owner.join();
  if (member) {
    const shared = await owner.op({ type: "member.set", ...member });
    if (!shared.ok) throw new Error(shared.error.message);
  }
  return owner;
}

/** Polls until `check` passes or the deadline passes; for waiting on asynchronous delivery, not for timing. */
export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
