import type { TaskRequest, TaskResult } from "@/lib/protocol/tasks";
import { chartKeepsMessage } from "@/lib/protocol/tasks";
import { checkChartCsv } from "../csv";
import { TaskFailure, type TaskContext } from "../queue";
import { applyAsOwner, openAsOwner, type ProcessorDeps } from "./deps";
import { CHART_LIMITS } from "@/lib/boards/widgets/chart";

export const uploadKey = (uploadId: string) => `upload-${uploadId}`;
/** An upload is kept this long for its import (and a retry of it), then expires. */
export const UPLOAD_TTL_S = 6 * 3600;
/** What a finished import returned, kept after its upload is deleted. */
const importedKey = (uploadId: string) => `upload-${uploadId}.imported`;

/**
 * Imports the upload once, then deletes it, so that it stops counting against its owner's storage.
 *
 * The result is kept before the upload is deleted. An attempt can finish the import and still not be recorded as
 * completed: its lock lapsed while Redis was away, and the queue runs the task again. That attempt finds the
 * upload gone and the result kept, and returns the result, where it would otherwise fail the finished import as
 * "expired".
 */
export async function runCsvImport(
  ctx: TaskContext,
  req: Extract<TaskRequest, { kind: "csv-import" }>,
  deps: ProcessorDeps,
): Promise<TaskResult> {
  const kept = await deps.blobs.get(importedKey(req.uploadId));
  const result = kept ? (JSON.parse(kept.toString()) as TaskResult) : await importCsv(ctx, req, deps);
  if (!kept)
    await deps.blobs.put(importedKey(req.uploadId), Buffer.from(JSON.stringify(result)), UPLOAD_TTL_S);
  await deps.blobs.delete(uploadKey(req.uploadId));
  return result;
}

/**
 * Reads the uploaded CSV with a streaming parser that yields to the event loop (see `checkChartCsv`), validates
 * every row, refuses files over `importMaxRows` rows, then appends the points the chart will keep in batches. Each batch's opId is derived
 * from the task id and the batch index: when the task runs again after a crash, batches already applied are
 * recognised by the board and not applied twice.
 */
async function importCsv(
  ctx: TaskContext,
  req: Extract<TaskRequest, { kind: "csv-import" }>,
  deps: ProcessorDeps,
): Promise<TaskResult> {
  await ctx.progress(1, "reading the file");
  const data = await deps.blobs.get(uploadKey(req.uploadId));
  if (!data)
    throw new TaskFailure({ message: "the uploaded file has expired; upload it again", retryable: false });
  // What the chart holds now: with the file's points, more than it keeps means the oldest are dropped.
  const { doc } = await openAsOwner(deps, ctx.task.owner, req.boardId);
  const before = doc.widgets[req.widgetId];
  // On a later attempt the chart may hold this file's first batches already: count only the file then (a lower bound).
  const existing = before?.type === "chart" && ctx.attempt === 1 ? before.data.points.length : 0;
  let reported = 1;
  const check = await checkChartCsv(data, {
    maxRows: deps.importMaxRows,
    keepNewest: CHART_LIMITS.pointsRetained,
    onProgress: async (fraction, rows) => {
      await ctx.checkCancelled();
      const p = Math.floor(1 + fraction * 19);
      if (p > reported) {
        reported = p;
        await ctx.progress(p, `checking rows: ${rows.toLocaleString("en-US")} read`);
      }
    },
  });
  if (check.fatal) throw new TaskFailure({ message: check.fatal, retryable: false });
  const valid = check.validCount;
  const total = valid + check.badCount;
  if (check.badCount > 0 && !req.skipInvalid) {
    throw new TaskFailure({
      message: `${check.badCount} of ${total} rows are invalid, so nothing was imported. Fix them, or import the ${valid} valid ${valid === 1 ? "row" : "rows"} only.`,
      lines: check.bad,
      badLineCount: check.badCount,
      retryable: valid > 0,
    });
  }
  if (valid === 0) throw new TaskFailure({ message: "the file has no data rows", retryable: false });
  // The chart keeps only its newest points: rows older than the file's newest ones would be dropped at once, so
  // they are not sent at all, and the user is told.
  const droppedOldest = Math.max(0, existing + valid - CHART_LIMITS.pointsRetained);
  const sending = check.points.length;
  await ctx.progress(
    20,
    droppedOldest > 0
      ? `importing the newest ${sending} of ${valid} rows: ${chartKeepsMessage(droppedOldest)}`
      : `importing ${sending} rows`,
  );

  const size = deps.importBatchSize;
  const batches = Math.ceil(sending / size);
  const minGapMs = deps.importBatchesPerSecond > 0 ? 1000 / deps.importBatchesPerSecond : 0;
  let last = 0;
  for (let i = 0; i < batches; i++) {
    await ctx.checkCancelled();
    const wait = last + minGapMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    last = Date.now();
    const points = check.points.slice(i * size, (i + 1) * size).map((p) => p.point);
    await applyAsOwner(deps, ctx.task.owner, req.boardId, `${ctx.task.id}-b${i}`, {
      type: "chart.append",
      widgetId: req.widgetId,
      points,
    });
    const done = Math.min(sending, (i + 1) * size);
    await ctx.progress(
      20 + (80 * (i + 1)) / batches,
      `imported ${done} of ${droppedOldest > 0 ? "the newest " : ""}${sending} rows`,
    );
  }
  return {
    kind: "csv-import",
    imported: valid,
    skipped: check.badCount,
    ...(check.badCount ? { skippedLines: check.bad } : {}),
    ...(droppedOldest > 0 ? { droppedOldest } : {}),
  };
}
