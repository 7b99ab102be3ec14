/**
 * `npm run bench:snapshot`: how long a board snapshot holds up commits. A SqlBoardStore on SQLite (the embedded
 * default; `--postgres` for a throwaway PostgreSQL) holds one board grown as in bench:storage (40 charts of 2,000
 * points, 59 notes of 20,000 characters, about 3.8 MB of document); then KPI edits are committed one after another,
 * each timed, across several snapshots (every 500 ops). A commit that queues behind a snapshot shows it as its
 * latency: the slowest commits are the snapshots' cost. Untimed edits first pass one snapshot, which writes the
 * widgets grown since the board was created: the timed ones show the steady state of a board being edited.
 *
 *   npm run bench:snapshot
 *   npm run bench:snapshot -- --postgres --commits 3000
 */
import { parseArgs } from "node:util";
import { applyOp, newBoard } from "../lib/boards/apply";
import type { BoardDoc } from "../lib/boards/types";
import { boardOpSchema, type BoardOpInput, type CommittedOp } from "../lib/protocol/boards";
import { SqlBoardStore, type SnapshotWritten } from "../server/boards/store.sql";
import { openDatabase, type SqlDatabase } from "../server/db/open";
import { TestPostgres } from "../server/testing/postgres";
import { tempDir } from "../server/testing/temp-dir";

const { values } = parseArgs({
  options: {
    postgres: { type: "boolean", default: false },
    commits: { type: "string", default: "2000" },
    warmup: { type: "string", default: "600" },
  },
});

let seq = 0;
const layout = (i: number) => ({ x: (i % 4) * 3, y: Math.floor(i / 4) * 3, w: 3, h: 3 });

/** Commits one op, checked and completed by the protocol's schema as the server does. */
async function commit(store: SqlBoardStore, doc: BoardDoc, input: BoardOpInput): Promise<BoardDoc> {
  const op = boardOpSchema.parse(input);
  const rev = doc.rev + 1;
  const at = Date.now();
  const entry: CommittedOp = { rev, opId: `snap${++seq}`, op, by: "alice", at };
  const next = applyOp(doc, op, rev, { by: "alice", at });
  const result = await store.commit(doc.id, doc.rev, next, [entry]);
  if (result.status !== "ok") throw new Error(`commit at ${rev}: ${result.status}`);
  return next;
}

async function grow(store: SqlBoardStore): Promise<BoardDoc> {
  let doc = newBoard({ id: "grown", title: "Snapshot cost", owner: "alice", at: Date.now() });
  await store.create(doc);
  doc = await commit(store, doc, {
    type: "widget.add",
    widget: { id: "kpi", type: "kpi", layout: layout(0) },
  });
  for (let i = 0; i < 40; i++) {
    const id = `chart${i}`;
    doc = await commit(store, doc, {
      type: "widget.add",
      widget: { id, type: "chart", layout: layout(i + 1) },
    });
    for (let part = 0; part < 2; part++) {
      const points = Array.from({ length: 1_000 }, (_, k): [number, number] => [
        part * 1_000 + k,
        Math.sin(k) * 100,
      ]);
      doc = await commit(store, doc, { type: "chart.append", widgetId: id, points });
    }
  }
  for (let i = 0; i < 59; i++) {
    const id = `note${i}`;
    doc = await commit(store, doc, {
      type: "widget.add",
      widget: { id, type: "note", layout: layout(i + 41) },
    });
    const text = `Note ${i}: ${"lorem ipsum dolor sit amet ".repeat(800)}`.slice(0, 20_000);
    doc = await commit(store, doc, { type: "note.text", widgetId: id, text, baseRev: doc.rev });
  }
  return doc;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main() {
  const dir = await tempDir("pb-bench-snapshot-");
  const postgres = values.postgres ? await TestPostgres.start({ fsync: true }) : undefined;
  let database: SqlDatabase | undefined;
  try {
    database = await openDatabase({ url: await postgres?.createDatabase(), dataDir: dir.path });
    const snapshots: SnapshotWritten[] = [];
    const store = new SqlBoardStore(database, { snapshotEvery: 500, onSnapshot: (s) => snapshots.push(s) });
    let doc = await grow(store);
    const docMb = Buffer.byteLength(JSON.stringify(doc)) / 1024 / 1024;
    const edit = (i: number) =>
      commit(store, doc, { type: "kpi.value", widgetId: "kpi", value: i, baseRev: doc.rev });
    for (let i = 0; i < Number(values.warmup); i++) doc = await edit(i);
    snapshots.length = 0;
    const times: number[] = [];
    for (let i = 0; i < Number(values.commits); i++) {
      const started = performance.now();
      doc = await commit(store, doc, {
        type: "kpi.value",
        widgetId: "kpi",
        value: i,
        baseRev: doc.rev,
      });
      times.push(performance.now() - started);
    }
    await store.close();
    const sorted = [...times].sort((a, b) => a - b);
    const slowest = sorted.slice(-5).reverse();
    console.log(
      [
        `## Commit latency on a ${docMb.toFixed(1)} MB board, ${database.dialect}, snapshot every 500 ops`,
        "",
        "| commits | p50 ms | p99 ms | max ms | 5 slowest ms |",
        "| --- | --- | --- | --- | --- |",
        `| ${times.length} | ${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)} | ` +
          `${sorted.at(-1)!.toFixed(1)} | ${slowest.map((t) => t.toFixed(1)).join(", ")} |`,
        "",
        "| snapshot at rev | widget rows written | JSON MB written | serialise ms | transaction ms |",
        "| --- | --- | --- | --- | --- |",
        ...snapshots.map(
          (s) =>
            `| ${s.rev} | ${s.widgets} | ${(s.chars / 1024 / 1024).toFixed(2)} | ${s.serializeMs.toFixed(1)} | ` +
            `${s.transactionMs.toFixed(1)} |`,
        ),
      ].join("\n"),
    );
  } finally {
    await database?.close();
    await postgres?.stop();
    await dir.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
