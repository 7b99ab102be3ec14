import type { Socket as ServerSocket } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "@/server/testing/board-client";
import { scriptedHarness } from "@/server/testing/scripted-server";
import { applyOp, newBoard } from "../boards/apply";
import type { BoardDoc } from "../boards/types";
import type { BoardOp, CommittedOp } from "../protocol/boards";
import type { BoardSessionOptions } from "./board-session";

/**
 * Coalesced delivery as a tab sees it: `board:ops` frames that a real Socket.IO server on port 0 sends exactly as
 * each test needs them (out of order, with holes, with the tab's own op, around a reconnect), which a real
 * Pulseboard server cannot be made to do on demand.
 */
const BOARD = "b1";
const layout = { x: 0, y: 0, w: 4, h: 3 };
const addList: BoardOp = {
  type: "widget.add",
  widget: { id: "c1", type: "checklist", title: "Todo", layout, data: { items: [] } },
};
const addItem = (id: string): BoardOp => ({ type: "checklist.add", widgetId: "c1", item: { id, text: id } });
const itemsOf = (doc: BoardDoc | null | undefined) => {
  const c1 = doc?.widgets.c1;
  return c1?.type === "checklist" ? c1.data.items.map((i) => i.id) : undefined;
};

/** The board's log as a server keeps it: `docs[r]` is the board at revision r. */
class Log {
  readonly entries: CommittedOp[] = [];
  readonly docs: BoardDoc[] = [newBoard({ id: BOARD, title: "Plan", owner: "alice", at: 1 })];

  get doc(): BoardDoc {
    return this.docs.at(-1)!;
  }

  commit(op: BoardOp, by = "alice", opId?: string): CommittedOp {
    const rev = this.doc.rev + 1;
    const entry: CommittedOp = { rev, opId: opId ?? `op-${rev}`, op, by, at: 1_000 + rev };
    this.docs.push(applyOp(this.doc, op, rev, { by, at: entry.at }));
    this.entries.push(entry);
    return entry;
  }

  /** The entries at these revisions, in the order given. */
  at(...revs: number[]): CommittedOp[] {
    return revs.map((r) => this.entries[r - 1]!);
  }
}

interface Stage {
  /** Answers a join (`n` counts joins, from 0): frames to send before the answer, the revision to answer with, frames after. */
  onJoin?: (
    socket: ServerSocket,
    n: number,
  ) => { before?: CommittedOp[][]; answerRev?: number; after?: CommittedOp[][] };
  /** Answers a board:op; by default commits it as bob and acks at once. */
  onOp?: (socket: ServerSocket, payload: { opId: string; op: BoardOp }, ack: (res: unknown) => void) => void;
  session?: Partial<BoardSessionOptions>;
  reconnect?: boolean;
}

const sendFrame = (socket: ServerSocket, entries: CommittedOp[]) =>
  entries.length === 1
    ? socket.emit("board:op", { boardId: BOARD, entry: entries[0] })
    : socket.emit("board:ops", { boardId: BOARD, entries });

describe("BoardSession: coalesced ops (board:ops)", () => {
  const harness = scriptedHarness();
  afterEach(() => harness.cleanup());

  async function stage(log: Log, opts: Stage = {}) {
    const syncs: number[] = [];
    let joins = 0;
    let current: ServerSocket | undefined;
    const url = await harness.serve((socket) => {
      current = socket;
      socket.on("board:join", (_p: unknown, ack: (res: unknown) => void) => {
        const plan = opts.onJoin?.(socket, joins++) ?? {};
        for (const frame of plan.before ?? []) sendFrame(socket, frame);
        const board = log.docs[plan.answerRev ?? log.doc.rev]!;
        ack({ ok: true, board, role: "editor", presence: [] });
        for (const frame of plan.after ?? []) sendFrame(socket, frame);
      });
      socket.on("board:sync", ({ sinceRev }: { sinceRev: number }, ack: (res: unknown) => void) => {
        syncs.push(sinceRev);
        ack({ ok: true, rev: log.doc.rev, entries: log.entries.filter((e) => e.rev > sinceRev) });
      });
      socket.on("board:op", (payload: { opId: string; op: BoardOp }, ack: (res: unknown) => void) => {
        if (opts.onOp) return opts.onOp(socket, payload, ack);
        ack({ ok: true, entry: log.commit(payload.op, "bob", payload.opId) });
      });
    });
    const { socket, session } = await harness.open(url, BOARD, opts);
    await eventually(() => expect(session.getState().status).toBe("live"));
    return { session, syncs, server: () => current!, socket };
  }

  /** A log of a checklist and `n` items added to it (revisions 2 to n + 1). */
  function logOf(n: number): Log {
    const log = new Log();
    log.commit(addList);
    for (let i = 1; i <= n; i++) log.commit(addItem(`i${i + 1}`));
    return log;
  }

  it("applies each batch's ops one after another, in order across batches and single ops", async () => {
    const log = logOf(7);
    const { session, syncs, server } = await stage(log, { onJoin: () => ({ answerRev: 0 }) });
    const seen: number[] = [];
    session.on("change", (s) => seen.push(s.committed!.rev));
    sendFrame(server(), log.at(1, 2, 3));
    sendFrame(server(), log.at(4, 5));
    sendFrame(server(), log.at(6));
    sendFrame(server(), log.at(7, 8));
    await eventually(() => expect(session.getState().committed).toEqual(log.docs[8]));
    expect(itemsOf(session.getState().doc)).toEqual(["i2", "i3", "i4", "i5", "i6", "i7", "i8"]);
    expect(syncs).toEqual([]);
    // One change per frame: a batch is shown once, applied whole.
    expect(seen).toEqual([3, 5, 6, 8]);
  });

  it("holds a batch that comes ahead of an earlier one and applies both once it arrives, without fetching", async () => {
    const log = logOf(4);
    const { session, syncs, server } = await stage(log, {
      onJoin: () => ({ answerRev: 0 }),
      session: { gapGraceMs: 600_000 },
    });
    sendFrame(server(), log.at(4, 5));
    sendFrame(server(), log.at(1, 2, 3));
    await eventually(() => expect(session.getState().committed).toEqual(log.docs[5]));
    expect(syncs).toEqual([]);
  });

  it("drops a batch's ops it has already and applies the rest", async () => {
    const log = logOf(4);
    const { session, syncs, server } = await stage(log, { onJoin: () => ({ answerRev: 3 }) });
    sendFrame(server(), log.at(2, 3, 4, 5));
    await eventually(() => expect(session.getState().committed).toEqual(log.docs[5]));
    expect(itemsOf(session.getState().committed)).toEqual(["i2", "i3", "i4", "i5"]);
    expect(syncs).toEqual([]);
  });

  it("fetches the ops missing from a hole inside a batch", async () => {
    const log = logOf(4);
    const { session, syncs, server } = await stage(log, {
      onJoin: () => ({ answerRev: 0 }),
      session: { gapGraceMs: 20 },
    });
    sendFrame(server(), log.at(1, 2, 4, 5));
    await eventually(() => expect(session.getState().committed).toEqual(log.docs[5]));
    // Applied up to the hole, then fetched from there.
    expect(syncs).toEqual([2]);
  });

  it("acts on a board:resync that arrives while its join is on the way, once the join answers", async () => {
    // The server dropped ops queued for a tab that stopped reading, and said so, before answering its join.
    const log = logOf(4);
    const { session, syncs } = await stage(log, {
      onJoin: (socket) => {
        socket.emit("board:resync", {});
        return { answerRev: 2 };
      },
    });
    await eventually(() => expect(session.getState().committed).toEqual(log.docs[5]));
    expect(syncs).toEqual([2]);
  });

  it("fetches the ops before a batch whose first op skips revisions", async () => {
    const log = logOf(4);
    const { session, syncs, server } = await stage(log, {
      onJoin: () => ({ answerRev: 0 }),
      session: { gapGraceMs: 20 },
    });
    sendFrame(server(), log.at(3, 4, 5));
    await eventually(() => expect(session.getState().committed).toEqual(log.docs[5]));
    expect(syncs).toEqual([0]);
  });

  it("takes its own op in a batch as that op's ack: committed once, no longer pending", async () => {
    const log = logOf(0);
    const acks: (() => void)[] = [];
    const { session } = await stage(log, {
      onOp: (socket, { opId, op }, ack) => {
        // Another editor's op and this tab's own go out in one batch; the ack to this tab comes later.
        log.commit(addItem(`t${log.doc.rev + 1}`));
        const own = log.commit(op, "bob", opId);
        sendFrame(socket, log.at(own.rev - 1, own.rev));
        acks.push(() => ack({ ok: true, entry: own }));
      },
    });
    const outcome = await session.submit(addItem("mine"));
    expect(outcome).toMatchObject({ ok: true, entry: { rev: 3, by: "bob" } });
    expect(acks).toHaveLength(1);
    const state = session.getState();
    expect(state.pending).toBe(0);
    expect(state.committed).toEqual(log.docs[3]);
    // Shown once: the committed op, with no pending copy on top.
    expect(itemsOf(state.doc)).toEqual(["t2", "mine"]);
    // The ack, when it comes, changes nothing; the next change goes out after it.
    acks[0]!();
    const next = session.submit(addItem("next"));
    await eventually(() => expect(acks).toHaveLength(2));
    acks[1]!();
    expect(await next).toMatchObject({ ok: true, entry: { rev: 5 } });
    expect(session.getState().committed).toEqual(log.docs[5]);
    expect(itemsOf(session.getState().doc)).toEqual(["t2", "mine", "t4", "next"]);
  });

  it("applies batches received around a reconnect: before the join's answer, straddling it, and after it", async () => {
    const log = logOf(1);
    const { session, syncs, socket } = await stage(log, {
      reconnect: true,
      onJoin: (_socket, n) =>
        n === 0
          ? {}
          : // Ops committed while away: 3 to 5 arrive before the answer (the board at 4), then 5 and 6 after it.
            { before: [log.at(3, 4, 5)], answerRev: 4, after: [log.at(5, 6)] },
    });
    expect(session.getState().committed).toEqual(log.docs[2]);
    // Committed while the tab is away; the tab hears of them only from the frames around its rejoin.
    for (let i = 3; i <= 6; i++) log.commit(addItem(`i${i}`));
    socket.io.engine.close();
    await eventually(() => expect(session.getState().committed).toEqual(log.docs[6]));
    expect(itemsOf(session.getState().doc)).toEqual(["i2", "i3", "i4", "i5", "i6"]);
    expect(syncs).toEqual([]);
  });
});
