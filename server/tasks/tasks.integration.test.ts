import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskInfo } from "@/lib/protocol/tasks";
import { TestBoardClient, eventually, newOpId } from "../testing/board-client";
import { connectOk, tokenFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import type { ManagedProcess } from "../testing/process";
import { TestRedisServer } from "../testing/redis-server";
import {
  boardWithChart as newBoardWithChart,
  chartPoints,
  startTaskWorker,
  timeSeriesCsv as csv,
  uploadCsv,
  type ChartBoard,
} from "../testing/tasks";

const layout = { x: 0, y: 0, w: 6, h: 4 };

describe("tasks with separate worker processes", () => {
  let redis: TestRedisServer;
  let web: TestInstance;
  const workers: ManagedProcess[] = [];
  const sockets: TestSocket[] = [];
  const startWorker = async () => {
    const w = await startTaskWorker(redis.url, {
      TASK_LOCK_MS: "1500",
      TASK_IMPORT_BATCH_SIZE: "20",
      TASK_IMPORT_BATCHES_PER_SEC: "25",
      TASK_CONCURRENCY: "2",
    });
    workers.push(w);
    return w;
  };

  async function boardWithChart(): Promise<ChartBoard> {
    const board = await newBoardWithChart(web.url);
    sockets.push(board.socket);
    return board;
  }

  const upload = (boardId: string, body: string, query = "") => uploadCsv(web.url, boardId, body, query);

  function trackUpdates(socket: TestSocket, taskId: string): TaskInfo[] {
    const seen: TaskInfo[] = [];
    socket.on("task:update", ({ task }) => {
      if (task.id === taskId) seen.push(task);
    });
    return seen;
  }

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    web = await startInstance({ redisUrl: redis.url, seedDemoUsers: true, env: { WORKERS_INLINE: "false" } });
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await web?.close();
    await redis?.stop();
  });

  it("imports a CSV in a worker process, with monotonic progress, and the chart holds exactly the rows", async () => {
    const worker = await startWorker();
    const { client, socket, boardId } = await boardWithChart();
    const rev = client.doc.rev;
    let task = await upload(boardId, csv(300));
    const seen = trackUpdates(socket, task.id);
    await eventually(() => expect(seen.at(-1)?.status).toBe("completed"), 20_000);
    task = seen.at(-1)!;
    expect(task.result).toEqual({ kind: "csv-import", imported: 300, skipped: 0 });
    const progress = seen.map((t) => t.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    expect(seen.filter((t) => t.status === "running").length).toBeGreaterThan(3);
    await eventually(() => expect(chartPoints(client)).toHaveLength(300));
    expect(client.doc.rev).toBe(rev + 15);
    const feed = await socket.emitWithAck("notify:list", {});
    expect(feed.ok && feed.items[0]).toMatchObject({ kind: "task", title: expect.stringContaining("done") });
    await worker.stop();
  });

  it("finishes on another worker when the first is killed mid-import, with every row exactly once", async () => {
    const first = await startWorker();
    const { client, socket, boardId } = await boardWithChart();
    const task = await upload(boardId, csv(1_000));
    const seen = trackUpdates(socket, task.id);
    await eventually(() => expect(seen.at(-1)?.progress ?? 0).toBeGreaterThanOrEqual(35), 20_000);
    await first.stop("SIGKILL");
    const partial = chartPoints(client).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(1_000);
    await startWorker();
    await eventually(() => expect(seen.at(-1)?.status).toBe("completed"), 30_000);
    await client.sync();
    const points = chartPoints(client);
    expect(points).toHaveLength(1_000);
    expect(new Set(points.map((p) => p[0])).size).toBe(1_000);
    expect(seen.at(-1)?.attempts).toBeGreaterThanOrEqual(2);
  });

  it("refuses a CSV with bad rows, naming the lines, and leaves the board unchanged; importing the valid rows works on retry", async () => {
    await startWorker();
    const { client, socket, boardId } = await boardWithChart();
    const rev = client.doc.rev;
    const task = await upload(boardId, csv(50, [3, 17]));
    const seen = trackUpdates(socket, task.id);
    await eventually(() => expect(seen.at(-1)?.status).toBe("failed"), 45_000);
    expect(seen.at(-1)?.error).toMatchObject({
      message: expect.stringContaining("2 of 50 rows are invalid"),
      lines: [
        { line: 5, reason: '"not-a-number" is not a number' },
        { line: 19, reason: '"not-a-number" is not a number' },
      ],
      badLineCount: 2,
      retryable: true,
    });
    const sync = await socket.emitWithAck("board:sync", { boardId, sinceRev: rev });
    expect(sync).toMatchObject({ ok: true, rev, entries: [] });
    const retried = await socket.emitWithAck("task:retry", { taskId: task.id, skipInvalid: true });
    expect(retried.ok).toBe(true);
    await eventually(() => expect(seen.at(-1)?.status).toBe("completed"), 45_000);
    expect(seen.at(-1)?.result).toMatchObject({ imported: 48, skipped: 2 });
  }, 120_000);

  it("refuses uploads that are not CSV, too large, for viewers, or for a missing chart", async () => {
    const { socket, boardId } = await boardWithChart();
    const token = await tokenFor("alice");
    const post = (query: string, headers: Record<string, string>, body: string) =>
      fetch(`${web.url}/api/tasks/csv-import?${query}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, ...headers },
        body,
      });
    expect(
      (await post(`boardId=${boardId}&widgetId=chart`, { "content-type": "application/json" }, "{}")).status,
    ).toBe(400);
    expect(
      (await post(`boardId=${boardId}&widgetId=nope`, { "content-type": "text/csv" }, "time,value\n")).status,
    ).toBe(400);
    expect((await post(`boardId=${boardId}`, { "content-type": "text/csv" }, "time,value\n")).status).toBe(
      400,
    );
    await socket.emitWithAck("board:op", {
      boardId,
      opId: newOpId(),
      op: { type: "member.set", user: "bob", role: "viewer" },
    });
    const asBob = await fetch(`${web.url}/api/tasks/csv-import?boardId=${boardId}&widgetId=chart`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor("bob")}`, "content-type": "text/csv" },
      body: csv(2),
    });
    expect(asBob.status).toBe(403);
    const huge = await post(
      `boardId=${boardId}&widgetId=chart`,
      { "content-type": "text/csv" },
      "x".repeat(6 * 1024 * 1024),
    );
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ ok: false, error: { code: "PAYLOAD_TOO_LARGE" } });
  });
});

describe("tasks in embedded mode", () => {
  let web: TestInstance;
  let socket: TestSocket;
  beforeAll(async () => {
    web = await startInstance({ seedDemoUsers: true });
    socket = await connectOk(web.url, { token: await tokenFor("alice") });
  });
  afterAll(async () => {
    socket.close();
    await web.close();
  });

  it("exports a board as JSON and CSV for download, and summarizes a chart into a KPI", async () => {
    const created = await socket.emitWithAck("board:create", { title: 'Q4 = "great"' });
    if (!created.ok) throw new Error(created.error.message);
    const boardId = created.board.id;
    const client = new TestBoardClient(socket, boardId);
    await client.join();
    await client.op({
      type: "widget.add",
      widget: {
        id: "chart",
        type: "chart",
        title: "Latency",
        layout,
        data: {
          points: [
            [1, 10],
            [2, 20],
            [3, 30],
            [4, 40],
          ],
        },
      },
    });
    await client.op({
      type: "widget.add",
      widget: {
        id: "note",
        type: "note",
        title: "=SUM(A1)",
        layout: { ...layout, x: 6 },
        data: { text: 'a, "quoted" note' },
      },
    });

    const updates: TaskInfo[] = [];
    socket.on("task:update", ({ task }) => updates.push(task));
    const started = await socket.emitWithAck("task:start", { kind: "board-export", boardId });
    if (!started.ok) throw new Error(started.error.message);
    await eventually(() =>
      expect(updates.findLast((t) => t.id === started.task.id)?.status).toBe("completed"),
    );
    const exported = updates.findLast((t) => t.id === started.task.id)!;
    expect(exported.result?.kind).toBe("board-export");
    const auth = { authorization: `Bearer ${await tokenFor("alice")}` };
    const json = await fetch(`${web.url}/api/tasks/${exported.id}/download?format=json`, { headers: auth });
    expect(json.headers.get("content-disposition")).toMatch(/attachment; filename=".+\.json"/);
    expect(((await json.json()) as { board: { widgets: object } }).board.widgets).toHaveProperty("chart");
    const csvText = await (
      await fetch(`${web.url}/api/tasks/${exported.id}/download?format=csv`, { headers: auth })
    ).text();
    expect(csvText.split("\r\n")[0]).toBe("widget_id,widget_type,widget_title,field,time,value");
    expect(csvText).toContain(`note,note,'=SUM(A1),text,,"a, ""quoted"" note"`);
    expect(csvText.match(/,point,/g)).toHaveLength(4);
    const other = await fetch(`${web.url}/api/tasks/${exported.id}/download?format=csv`, {
      headers: { authorization: `Bearer ${await tokenFor("bob")}` },
    });
    expect(other.status).toBe(404);

    const sum = await socket.emitWithAck("task:start", {
      kind: "chart-summary",
      boardId,
      chartWidgetId: "chart",
    });
    if (!sum.ok) throw new Error(sum.error.message);
    await eventually(() => expect(updates.findLast((t) => t.id === sum.task.id)?.status).toBe("completed"));
    const result = updates.findLast((t) => t.id === sum.task.id)!.result;
    expect(result).toMatchObject({
      kind: "chart-summary",
      stats: { count: 4, min: 10, max: 40, mean: 25, p50: 20, p95: 40, p99: 40 },
    });
    const kpiId = result?.kind === "chart-summary" ? result.kpiWidgetId : "";
    await eventually(() =>
      expect(client.doc.widgets[kpiId]).toMatchObject({
        type: "kpi",
        data: { value: 25, stats: { count: 4, source: "chart" } },
      }),
    );
    const list = await socket.emitWithAck("task:list", { boardId });
    expect(list.ok && list.tasks.map((t) => t.id)).toEqual([sum.task.id, started.task.id]);
  });
});
