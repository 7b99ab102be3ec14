/**
 * `npm run bench:storage`: what an acknowledged edit costs in the embedded default (SQLite) on an empty board and
 * on the same board grown to about 20 MB (full charts and long notes in the document, and the op log that made
 * them), at a steady 20 ops/s. The target (storage issue): p50 and p99 on the grown board within 1.5x of the empty
 * one, and p99 at most 20 ms. Each window is longer than the snapshot interval (500 ops), so that the slowest ack
 * includes a commit that queued behind a snapshot. Also prints the server's resident memory and heap (after a full
 * garbage collection, asked for through its inspector), and both again
 * once the grown board is closed (nobody has it open, so the server no longer holds it) while the server keeps
 * working on another board.
 *
 *   npm run bench:storage                 about three minutes
 *   npm run bench:storage -- --mb 5       a smaller board
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { BoardOpInput } from "../lib/protocol/boards";
import { connectOk, tokenFor, type TestSocket } from "../server/testing/clients";
import { once } from "node:events";
import WebSocket from "ws";
import { startProcessInstance, type ProcessInstance } from "../server/testing/process-instance";
import { tempDir } from "../server/testing/temp-dir";

const { values } = parseArgs({
  options: {
    mb: { type: "string", default: "20" },
    seconds: { type: "string", default: "30" },
    rate: { type: "string", default: "20" },
  },
});
const targetBytes = Number(values.mb) * 1024 * 1024;
const seconds = Number(values.seconds);
const rate = Number(values.rate);

let seq = 0;
const opId = () => `storage${++seq}x${Date.now()}`;

async function op(socket: TestSocket, boardId: string, body: BoardOpInput) {
  const res = await socket.timeout(30_000).emitWithAck("board:op", { boardId, opId: opId(), op: body });
  if (!res.ok) throw new Error(`${body.type}: ${res.error.code} ${res.error.message}`);
  return res.entry;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** KPI edits at `rate` per second for `seconds`, each timed from send to ack. */
async function steadyEdits(socket: TestSocket, boardId: string, widgetId: string, startRev: number) {
  const times: number[] = [];
  let baseRev = startRev;
  const interval = 1_000 / rate;
  const until = Date.now() + seconds * 1_000;
  let next = Date.now();
  while (Date.now() < until) {
    const sent = performance.now();
    const entry = await op(socket, boardId, { type: "kpi.value", widgetId, value: times.length, baseRev });
    times.push(performance.now() - sent);
    baseRev = entry.rev;
    next += interval;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  times.sort((a, b) => a - b);
  return {
    n: times.length,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: times.at(-1) ?? NaN,
    rev: baseRev,
  };
}

function databaseBytes(dataDir: string): number {
  return ["pulseboard.db", "pulseboard.db-wal"].reduce((sum, f) => {
    try {
      return sum + statSync(join(dataDir, f)).size;
    } catch {
      return sum;
    }
  }, 0);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The server's V8 heap in use, from its Prometheus endpoint. */
async function heapMb(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^nodejs_heap_size_used_bytes\s+(\S+)/m.exec(text);
  return m ? Number(m[1]) / 1024 / 1024 : NaN;
}

/**
 * A full garbage collection in the server, through its inspector: heap figures taken right after it count what the
 * server holds, not garbage that no collection has reclaimed yet.
 */
async function collectGarbage(instance: ProcessInstance): Promise<void> {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(instance.output());
  if (!m) throw new Error("the server's inspector did not start");
  const ws = new WebSocket(m[1]!);
  await once(ws, "open");
  const done = new Promise<void>((resolve) =>
    ws.on("message", (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { id?: number }).id === 1) resolve();
    }),
  );
  ws.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }));
  await done;
  ws.close();
}

async function main() {
  const dataDir = await tempDir("pb-bench-storage-");
  const instance = await startProcessInstance({
    DATA_DIR: dataDir.path,
    SEED_DEMO_USERS: "true",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    RATE_LIMIT_EVENTS_PER_SEC: "100000",
    RATE_LIMIT_BURST: "100000",
    // The inspector, on a free port, only to ask for a full garbage collection before reading the heap.
    NODE_OPTIONS: "--inspect=127.0.0.1:0",
  });
  const socket = await connectOk(instance.url, { token: await tokenFor("alice") });
  try {
    const created = await socket.emitWithAck("board:create", { title: "Storage cost" });
    if (!created.ok) throw new Error(created.error.message);
    const boardId = created.board.id;
    const joined = await socket.emitWithAck("board:join", { boardId });
    if (!joined.ok) throw new Error(joined.error.message);
    const layout = (i: number) => ({ x: (i % 4) * 3, y: Math.floor(i / 4) * 3, w: 3, h: 3 });
    const kpi = await op(socket, boardId, {
      type: "widget.add",
      widget: { id: "kpi", type: "kpi", layout: layout(0) },
    });
    const empty = await steadyEdits(socket, boardId, "kpi", kpi.rev);
    await collectGarbage(instance);
    const rssEmpty = rssMb(instance.child.pid!);
    const heapEmpty = await heapMb(instance.url);
    console.error(`empty board: ${JSON.stringify(empty)}`);

    // Grow: 40 charts filled to their 2,000 points, 59 notes of 20,000 characters, then more points until the
    // database holds the target size (old points leave the document but stay in the op log).
    const charts = Array.from({ length: 40 }, (_, i) => `chart${i}`);
    for (const [i, id] of charts.entries())
      await op(socket, boardId, { type: "widget.add", widget: { id, type: "chart", layout: layout(i + 1) } });
    for (let i = 0; i < 59; i++) {
      const id = `note${i}`;
      const added = await op(socket, boardId, {
        type: "widget.add",
        widget: { id, type: "note", layout: layout(i + 41) },
      });
      const text = `Note ${i}: ${"lorem ipsum dolor sit amet ".repeat(800)}`.slice(0, 20_000);
      await op(socket, boardId, { type: "note.text", widgetId: id, text, baseRev: added.rev });
    }
    let t = Date.now() - 10_000_000;
    while (databaseBytes(dataDir.path) < targetBytes) {
      for (const id of charts) {
        const points = Array.from({ length: 1_000 }, (_, k): [number, number] => [t + k, Math.sin(k) * 100]);
        await op(socket, boardId, { type: "chart.append", widgetId: id, points });
      }
      t += 1_000;
    }
    const grownBytes = databaseBytes(dataDir.path);
    const doc = await socket.emitWithAck("board:join", { boardId });
    if (!doc.ok) throw new Error(doc.error.message);
    const docBytes = Buffer.byteLength(JSON.stringify(doc.board));
    const grown = await steadyEdits(socket, boardId, "kpi", doc.board.widgets.kpi!.revs.value ?? 0);
    await collectGarbage(instance);
    const rssGrown = rssMb(instance.child.pid!);
    const heapGrown = await heapMb(instance.url);
    console.error(`grown board: ${JSON.stringify(grown)}`);

    // Closed: the grown board's viewer leaves, and the server goes on with edits on another, small board (which also
    // gives the garbage collector its usual reasons to run).
    const left = await socket.emitWithAck("board:leave", { boardId });
    if (!left.ok) throw new Error(left.error.message);
    const other = await socket.emitWithAck("board:create", { title: "Other" });
    if (!other.ok) throw new Error(other.error.message);
    const otherKpi = await op(socket, other.board.id, {
      type: "widget.add",
      widget: { id: "kpi", type: "kpi", layout: layout(0) },
    });
    const closed = await steadyEdits(socket, other.board.id, "kpi", otherKpi.rev);
    await collectGarbage(instance);
    const rssClosed = rssMb(instance.child.pid!);
    const heapClosed = await heapMb(instance.url);

    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      [
        `## Embedded (SQLite) ack latency, ${rate} KPI edits/s for ${seconds} s`,
        "",
        "| board | database | document | acks | p50 ms | p99 ms | max ms | server RSS MB | server heap MB after a full GC |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        `| empty | - | - | ${empty.n} | ${empty.p50.toFixed(2)} | ${empty.p99.toFixed(2)} | ${empty.max.toFixed(1)} | ${rssEmpty.toFixed(0)} | ${heapEmpty.toFixed(0)} |`,
        `| grown | ${mb(grownBytes)} MB | ${mb(docBytes)} MB | ${grown.n} | ${grown.p50.toFixed(2)} | ${grown.p99.toFixed(2)} | ${grown.max.toFixed(1)} | ${rssGrown.toFixed(0)} | ${heapGrown.toFixed(0)} |`,
        `| grown board closed, edits on another | ${mb(databaseBytes(dataDir.path))} MB | - | ${closed.n} | ${closed.p50.toFixed(2)} | ${closed.p99.toFixed(2)} | ${closed.max.toFixed(1)} | ${rssClosed.toFixed(0)} | ${heapClosed.toFixed(0)} |`,
        "",
        `grown/empty: p50 ${ratio(grown.p50, empty.p50)}x, p99 ${ratio(grown.p99, empty.p99)}x ` +
          `(target: within 1.5x, and p99 at most 20 ms)`,
      ].join("\n"),
    );
  } finally {
    socket.close();
    await instance.stop();
    await dataDir.remove();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
