import { newOpId } from "./board-client";
import { connectOk, tokenFor } from "./clients";
import { type EditingClient, itemsOf } from "./editing-client";

/**
 * Creates a board owned by `owner`, shared with every editor, with one checklist per client to start with (an
 * `EditingClient` adds more as they fill), through instance `url`.
 */
export async function sharedChecklistBoard(
  url: string,
  owner: string,
  editors: string[],
  lists: string[],
): Promise<string> {
  const socket = await connectOk(url, { token: await tokenFor(owner) });
  try {
    const created = await socket.emitWithAck("board:create", { title: "Under fire" });
    if (!created.ok) throw new Error(created.error.message);
    const boardId = created.board.id;
    const ops = [
      ...lists.map((id, i) => ({
        type: "widget.add" as const,
        widget: { id, type: "checklist" as const, layout: { x: (i % 2) * 6, y: i * 6, w: 6, h: 6 } },
      })),
      ...editors.map((user) => ({ type: "member.set" as const, user, role: "editor" as const })),
    ];
    for (const op of ops) {
      const res = await socket.emitWithAck("board:op", { boardId, opId: newOpId(), op });
      if (!res.ok) throw new Error(res.error.message);
    }
    return boardId;
  } finally {
    socket.close();
  }
}

/**
 * After the clients stopped and drained: every op any of them made is on the board exactly once, every client's
 * copy equals the board as the server holds it, and nothing acknowledged is missing.
 */
export async function expectConverged(
  clients: EditingClient[],
  url: string,
  boardId: string,
): Promise<{ items: number; rev: number }> {
  const reader = await connectOk(url, { token: await tokenFor("admin", "admin") });
  try {
    const owner = clients[0]!;
    const truth = await owner.socket.timeout(10_000).emitWithAck("board:sync", { boardId, sinceRev: 0 });
    if (!truth.ok || !("snapshot" in truth || "entries" in truth)) throw new Error("cannot read the board");
    await Promise.all(clients.map((c) => c.sync()));
    const doc = clients[0]!.doc;
    for (const c of clients) {
      if (JSON.stringify(c.doc) !== JSON.stringify(doc)) {
        throw new Error(`${c.name} has rev ${c.doc.rev}, ${clients[0]!.name} has rev ${doc.rev}`);
      }
    }
    const items = clients.flatMap((c) => c.widgets.flatMap((w) => itemsOf(doc, w)));
    const made = clients.flatMap((c) => c.generated);
    const unique = new Set(items);
    if (unique.size !== items.length) throw new Error("an op was applied twice");
    const missing = made.filter((id) => !unique.has(id));
    if (missing.length) throw new Error(`ops lost: ${missing.slice(0, 10).join(", ")}`);
    if (items.length !== made.length) throw new Error(`${items.length} items for ${made.length} ops`);
    return { items: items.length, rev: doc.rev };
  } finally {
    reader.close();
  }
}
