import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskRequest } from "@/lib/protocol/tasks";
import { eventually } from "../../testing/board-client";
import { startInstance, type TestInstance } from "../../testing/instance";
import { boardWithChart, chartPoints, timeSeriesCsv, type ChartBoard } from "../../testing/tasks";
import { newTaskId, queuedTask, type TaskContext } from "../queue";
import { uploadKey } from "./csv-import";
import { createProcessor } from "./index";

const ROWS = 100;

/**
 * An attempt can finish an import and not be recorded as completed (its lock lapsed while Redis was away); the
 * queue runs the task again. The processors run here as a worker runs them, on an instance's own stores.
 */
describe("CSV import run again after it finished", () => {
  let inst: TestInstance;
  let board: ChartBoard;
  beforeAll(async () => {
    inst = await startInstance({ seedDemoUsers: true });
    board = await boardWithChart(inst.url);
  });
  afterAll(async () => {
    board?.socket.close();
    await inst?.close();
  });

  it("returns the first attempt's result, adds no row twice, and keeps no upload", async () => {
    const { blobs } = await inst.backends.stores();
    const processor = createProcessor({
      boards: inst.app.services.boards!,
      blobs,
      broadcaster: inst.app.io,
      importBatchSize: 20,
      importBatchesPerSecond: 0,
      importMaxRows: 10_000,
    });
    const uploadId = newTaskId();
    await blobs.put(uploadKey(uploadId), Buffer.from(timeSeriesCsv(ROWS)), 3600);
    const request: TaskRequest = {
      kind: "csv-import",
      boardId: board.boardId,
      widgetId: "chart",
      uploadId,
      fileName: "load.csv",
      skipInvalid: false,
    };
    const task = queuedTask(newTaskId(), "alice", "Import load.csv", request, Date.now());
    const attempt = (n: number): TaskContext => ({
      task,
      request,
      attempt: n,
      progress: async () => {},
      checkCancelled: async () => {},
    });

    const first = await processor(attempt(1));
    expect(first).toEqual({ kind: "csv-import", imported: ROWS, skipped: 0 });
    expect(await blobs.get(uploadKey(uploadId))).toBeUndefined();
    await eventually(() => expect(chartPoints(board.client)).toHaveLength(ROWS));

    await expect(processor(attempt(2))).resolves.toEqual(first);
    const { doc } = await inst.app.services.boards!.open("alice", board.boardId);
    const chart = doc.widgets.chart;
    expect(chart?.type === "chart" && chart.data.points.length).toBe(ROWS);
  });
});
