import { AppError } from "@/lib/protocol/errors";
import type { TaskResult } from "@/lib/protocol/tasks";
import { TaskFailure, type TaskProcessor } from "../queue";
import { exportBoard } from "./board-export";
import { summarizeChart } from "./chart-summary";
import { runCsvImport } from "./csv-import";
import type { ProcessorDeps } from "./deps";

export type { ProcessorDeps } from "./deps";

/** A spent storage quota fails the task at once: retrying cannot make room. */
async function quotaFails(run: Promise<TaskResult>): Promise<TaskResult> {
  try {
    return await run;
  } catch (err) {
    if (err instanceof AppError && err.code === "QUOTA_EXCEEDED")
      throw new TaskFailure({ message: err.message, retryable: false });
    throw err;
  }
}

export function createProcessor(deps: ProcessorDeps): TaskProcessor {
  return async (ctx) => {
    const req = ctx.request;
    switch (req.kind) {
      case "csv-import":
        return runCsvImport(ctx, req, deps);
      case "board-export":
        return quotaFails(exportBoard(ctx, req, deps));
      case "chart-summary":
        return summarizeChart(ctx, req, deps);
    }
  };
}
