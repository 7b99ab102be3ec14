import { randomUUID } from "node:crypto";
import type { BoardOpInput } from "@/lib/protocol/boards";
import { boardOpSchema } from "@/lib/protocol/boards";
import type { BoardService } from "../boards/service";

const opId = () => randomUUID().replace(/-/g, "");

const WELCOME = [
  "**Welcome to Pulseboard.** Everything on this board is live: open it in a second tab, or sign in as another demo user in a private window, and watch edits, cursors and presence arrive instantly.",
  "",
  "- Drag a widget by its handle, resize it from the corner",
  "- Edit this note; mention someone with @bob",
  "- The two charts show this server's own connections and messages per second",
  "- Import a CSV into a chart, or summarize one into a KPI, from the chart's menu",
  "",
  "Changes carry revisions: if two people edit the same text at once, nobody's work is silently overwritten.",
].join("\n");

/** The demo board a fresh embedded install opens with: every widget type, and two charts that move by themselves. */
export async function createWelcomeBoard(boards: BoardService): Promise<string> {
  const board = await boards.create("admin", "Welcome to Pulseboard");
  const ops: BoardOpInput[] = [
    { type: "member.set", user: "alice", role: "editor" },
    { type: "member.set", user: "bob", role: "editor" },
    {
      type: "widget.add",
      widget: {
        id: "welcome",
        type: "note",
        title: "Start here",
        layout: { x: 0, y: 0, w: 6, h: 8 },
        data: { text: WELCOME },
      },
    },
    {
      type: "widget.add",
      widget: {
        id: "connections",
        type: "chart",
        title: "Live connections",
        layout: { x: 6, y: 0, w: 6, h: 4 },
        data: { points: [], feed: "connections" },
      },
    },
    {
      type: "widget.add",
      widget: {
        id: "messages",
        type: "chart",
        title: "Messages per second",
        layout: { x: 6, y: 4, w: 6, h: 4 },
        data: { points: [], feed: "events" },
      },
    },
    {
      type: "widget.add",
      widget: {
        id: "signups",
        type: "kpi",
        title: "Signups",
        layout: { x: 0, y: 8, w: 4, h: 3 },
        data: { value: 128, label: "this week", unit: "" },
      },
    },
    {
      type: "widget.add",
      widget: {
        id: "try",
        type: "checklist",
        title: "Try this",
        layout: { x: 4, y: 8, w: 8, h: 5 },
        data: {
          items: [
            { id: "t1", text: "Open this board in two tabs", done: false },
            { id: "t2", text: "Share a board of your own with bob", done: false },
            { id: "t3", text: "Create an API token and push points to a chart", done: false },
          ],
        },
      },
    },
  ];
  for (const op of ops) await boards.apply("admin", board.id, opId(), boardOpSchema.parse(op));
  return board.id;
}
