import { z } from "zod";
import type { SeriesStats } from "../boards/types";
import { clientEvent } from "./define";
import { idSchema } from "./boards";
import { CHART_LIMITS } from "../boards/widgets/chart";

export type TaskKind = "csv-import" | "board-export" | "chart-summary";
export type TaskStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

const boardExportRequest = z.strictObject({ kind: z.literal("board-export"), boardId: idSchema });
const chartSummaryRequest = z.strictObject({
  kind: z.literal("chart-summary"),
  boardId: idSchema,
  chartWidgetId: idSchema,
  /** An existing KPI widget to write into; a new one is added when absent. */
  kpiWidgetId: idSchema.optional(),
});

/** What a task is asked to do. CSV imports start over HTTP (the file is the body); the rest over the socket. */
export const taskRequestSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("csv-import"),
    boardId: idSchema,
    widgetId: idSchema,
    uploadId: idSchema,
    fileName: z.string().max(200).default("upload.csv"),
    /** Import the valid rows and report the bad ones, instead of refusing the whole file. */
    skipInvalid: z.boolean().default(false),
  }),
  boardExportRequest,
  chartSummaryRequest,
]);

export type TaskRequest = z.output<typeof taskRequestSchema>;
export type TaskRequestInput = z.input<typeof taskRequestSchema>;

export function widgetOfRequest(req: TaskRequest): string | undefined {
  return req.kind === "csv-import"
    ? req.widgetId
    : req.kind === "chart-summary"
      ? req.chartWidgetId
      : undefined;
}

export interface BadLine {
  line: number;
  reason: string;
}

export interface TaskError {
  message: string;
  /** CSV lines that failed validation (the first 100). */
  lines?: BadLine[];
  badLineCount?: number;
  /** Whether retrying (possibly with skipInvalid) can succeed. */
  retryable: boolean;
}

export type ChartStats = SeriesStats;

export type TaskResult =
  | {
      kind: "csv-import";
      imported: number;
      skipped: number;
      skippedLines?: BadLine[];
      /** Points (older rows of the file, or the chart's earlier points) the chart no longer holds: it keeps only its newest. */
      droppedOldest?: number;
    }
  | { kind: "board-export"; files: { format: "json" | "csv"; bytes: number; path: string }[] }
  | { kind: "chart-summary"; stats: ChartStats; kpiWidgetId: string };

/** What an import that overfills a chart tells the user (task message and task list). */
export function chartKeepsMessage(droppedOldest: number): string {
  const n = droppedOldest.toLocaleString("en-US");
  return `the chart keeps only its newest ${CHART_LIMITS.pointsRetained.toLocaleString("en-US")} points, so ${n} older ${droppedOldest === 1 ? "point was" : "points were"} dropped`;
}

export interface TaskInfo {
  id: string;
  kind: TaskKind;
  owner: string;
  /** A short description for lists and notifications. */
  title: string;
  boardId?: string;
  /** The widget the task works on: the chart an import fills or a summary reads. */
  widgetId?: string;
  status: TaskStatus;
  /** 0-100, never decreasing within one attempt. */
  progress: number;
  message?: string;
  attempts: number;
  maxAttempts: number;
  createdAt: number;
  updatedAt: number;
  error?: TaskError;
  result?: TaskResult;
}

const taskRef = z.strictObject({ taskId: idSchema });

export const taskClientEvents = {
  "task:start": clientEvent<{ task: TaskInfo }>()(
    z.discriminatedUnion("kind", [boardExportRequest, chartSummaryRequest]),
  ),
  "task:list": clientEvent<{ tasks: TaskInfo[] }>()(
    z.strictObject({ boardId: idSchema.optional() }).optional().default({}),
  ),
  "task:cancel": clientEvent<{ task: TaskInfo }>()(taskRef),
  "task:retry": clientEvent<{ task: TaskInfo }>()(
    z.strictObject({ taskId: idSchema, skipInvalid: z.boolean().optional() }),
  ),
};

export interface TaskServerEvents {
  /**
   * Sent to the task's owner and to the viewers of its board whenever it changes; `at` is the server's time of
   * the change (epoch ms), for delivery latency.
   */
  "task:update": (msg: { task: TaskInfo; at: number }) => void;
}
