import type { TaskRequest, TaskResult } from "@/lib/protocol/tasks";
import { checkChartCsv } from "../csv";
import { TaskFailure, type TaskContext } from "../queue";
import { applyAsOwner, type ProcessorDeps } from "./deps";

export const uploadKey = (uploadId: string) => `upload-${uploadId}`;

/**
 * Reads the uploaded CSV, validates every row, then appends the points in batches. Each batch's opId is derived
 * from the task id and the batch index: when the task runs again after a crash, batches already applied are
 * recognised by the board and not applied twice.
 */
export async function importCsv(
  ctx: TaskContext,
  req: Extract<TaskRequest, { kind: "csv-import" }>,
  deps: ProcessorDeps,
): Promise<TaskResult> {
  await ctx.progress(1, "reading the file");
  const data = await deps.blobs.get(uploadKey(req.uploadId));
  if (!data)
    throw new TaskFailure({ message: "the uploaded file has expired; upload it again", retryable: false });
  let reported = 0;
  const check = checkChartCsv(data, (f) => {
    const p = 1 + f * 19;
    if (p - reported >= 2) {
      reported = p;
      void ctx.progress(p, "checking rows");
    }
  });
  if (check.fatal) throw new TaskFailure({ message: check.fatal, retryable: false });
  const total = check.points.length + check.badCount;
  if (check.badCount > 0 && !req.skipInvalid) {
    throw new TaskFailure({
      message: `${check.badCount} of ${total} rows are invalid, so nothing was imported. Fix them, or import the ${check.points.length} valid ${check.points.length === 1 ? "row" : "rows"} only.`,
      lines: check.bad,
      badLineCount: check.badCount,
      retryable: check.points.length > 0,
    });
  }
  if (check.points.length === 0)
    throw new TaskFailure({ message: "the file has no data rows", retryable: false });
  await ctx.progress(20, `importing ${check.points.length} rows`);

  const size = deps.importBatchSize;
  const batches = Math.ceil(check.points.length / size);
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
    const done = Math.min(check.points.length, (i + 1) * size);
    await ctx.progress(20 + (80 * (i + 1)) / batches, `imported ${done} of ${check.points.length} rows`);
  }
  return {
    kind: "csv-import",
    imported: check.points.length,
    skipped: check.badCount,
    ...(check.badCount ? { skippedLines: check.bad } : {}),
  };
}
