import type { TaskProcessor } from "../queue";
import { exportBoard } from "./board-export";
import { summarizeChart } from "./chart-summary";
import { importCsv } from "./csv-import";
import type { ProcessorDeps } from "./deps";

export type { ProcessorDeps } from "./deps";

export function createProcessor(deps: ProcessorDeps): TaskProcessor {
  return (ctx) => {
    const req = ctx.request;
    switch (req.kind) {
      case "csv-import":
        return importCsv(ctx, req, deps);
      case "board-export":
        return exportBoard(ctx, req, deps);
      case "chart-summary":
        return summarizeChart(ctx, req, deps);
    }
  };
}
