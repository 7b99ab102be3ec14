import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "@/server/testing/board-client";
import { scriptedHarness } from "@/server/testing/scripted-server";
import { applyOp, newBoard } from "../boards/apply";
import type { BoardDoc } from "../boards/types";
import type { BoardOp, CommittedOp } from "../protocol/boards";

/**
 * The race a real server cannot stage on demand: the server joins the socket to the board's room, then reads the
 * board; an op committed between the two is broadcast to the tab before the join's answer, which does not hold it.
 * A real Socket.IO server on port 0 plays the server's side of that, in that order.
 */
const BOARD = "b1";
const base = newBoard({ id: BOARD, title: "Plan", owner: "alice", at: 1 });

function entriesFrom(doc: BoardDoc, ops: BoardOp[]): { entries: CommittedOp[]; doc: BoardDoc } {
  const entries: CommittedOp[] = [];
  let current = doc;
  for (const op of ops) {
    const rev = current.rev + 1;
    const entry: CommittedOp = { rev, opId: `op-${rev}`, op, by: "alice", at: 1_000 + rev };
    current = applyOp(current, op, rev, { by: "alice", at: entry.at });
    entries.push(entry);
  }
  return { entries, doc: current };
}

const renames = (n: number): BoardOp[] =>
  Array.from({ length: n }, (_, i) => ({ type: "board.rename", title: `Title ${i + 1}`, baseRev: i }));

describe("BoardSession: ops that arrive before the first join's answer", () => {
  const harness = scriptedHarness();
  afterEach(() => harness.cleanup());

  /** A server whose join answers with the board at `answerRev` after broadcasting `early` to the joining socket. */
  async function stage(log: CommittedOp[], answer: BoardDoc, early: CommittedOp[]) {
    const syncs: number[] = [];
    const url = await harness.serve((socket) => {
      socket.on("board:join", (_payload: unknown, ack: (res: unknown) => void) => {
        for (const entry of early) socket.emit("board:op", { boardId: BOARD, entry });
        setTimeout(() => ack({ ok: true, board: answer, role: "editor", presence: [] }), 50);
      });
      socket.on("board:sync", ({ sinceRev }: { sinceRev: number }, ack: (res: unknown) => void) => {
        syncs.push(sinceRev);
        const entries = log.filter((e) => e.rev > sinceRev);
        ack({ ok: true, rev: log.at(-1)?.rev ?? 0, entries });
      });
    });
    // No periodic check during the test: only the early ops themselves may bring the tab up to date.
    const { session } = await harness.open(url, BOARD);
    return { session, syncs };
  }

  it("applies an op broadcast ahead of the join's answer on top of that answer", async () => {
    const { entries, doc } = entriesFrom(base, renames(1));
    const { session, syncs } = await stage(entries, base, entries);
    await eventually(() => expect(session.getState().committed).toEqual(doc));
    expect(session.getState().status).toBe("live");
    expect(syncs).toEqual([]);
  });

  it("fetches what lies between the answer and an early op that skips ahead", async () => {
    const { entries, doc } = entriesFrom(base, renames(3));
    // Only the third op arrives early; the answer is the board before the first.
    const { session, syncs } = await stage(entries, base, entries.slice(2));
    await eventually(() => expect(session.getState().committed).toEqual(doc));
    expect(syncs).toEqual([0]);
  });

  it("drops an early op the answer already holds", async () => {
    const { entries, doc } = entriesFrom(base, renames(2));
    const { session, syncs } = await stage(entries, doc, entries.slice(0, 1));
    await eventually(() => expect(session.getState().status).toBe("live"));
    expect(session.getState().committed).toEqual(doc);
    expect(syncs).toEqual([]);
  });
});
