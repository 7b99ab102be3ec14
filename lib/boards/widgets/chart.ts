import { z } from "zod";
import { finiteSchema, widgetTarget } from "../../protocol/schemas";
import { defineWidget } from "./define";

/** Points as `[epochMs, value]`, sorted by time. */
export type ChartPoint = [number, number];

/** Pulseboard's own metrics, pushed into the chart every second while someone views it. */
export type ChartFeed = "connections" | "events";

/** A live time series fed by the API. */
export interface ChartData {
  points: ChartPoint[];
  feed?: ChartFeed;
}

export const CHART_LIMITS = {
  /** Points one op or push may carry. */
  pointsPerOp: 1_000,
  /** Points a chart keeps; older ones are dropped. */
  pointsRetained: 2_000,
} as const;

export const pointSchema = z.tuple([z.number().int().min(0).max(8.64e15), finiteSchema]);
export const pointsSchema = z
  .array(pointSchema)
  .min(1, { error: "at least one point" })
  .max(CHART_LIMITS.pointsPerOp, { error: `at most ${CHART_LIMITS.pointsPerOp} points at once` });

const chartAppend = z.strictObject({
  type: z.literal("chart.append"),
  ...widgetTarget,
  points: pointsSchema,
});

/** Merges by time, keeping order for equal times, and keeps the newest `CHART_LIMITS.pointsRetained`. */
export function mergePoints(existing: ChartPoint[], incoming: ChartPoint[]): ChartPoint[] {
  const sorted = [...incoming].sort((a, b) => a[0] - b[0]);
  const last = existing[existing.length - 1];
  let merged: ChartPoint[];
  if (!last || sorted[0]![0] >= last[0]) merged = existing.concat(sorted);
  else {
    merged = [];
    let i = 0;
    let j = 0;
    while (i < existing.length || j < sorted.length) {
      if (j >= sorted.length || (i < existing.length && existing[i]![0] <= sorted[j]![0]))
        merged.push(existing[i++]!);
      else merged.push(sorted[j++]!);
    }
  }
  return merged.length > CHART_LIMITS.pointsRetained
    ? merged.slice(merged.length - CHART_LIMITS.pointsRetained)
    : merged;
}

export const chart = defineWidget<ChartData>()({
  type: "chart",
  data: z
    .strictObject({
      points: z.array(pointSchema).max(CHART_LIMITS.pointsPerOp).default([]),
      /** Pulseboard's own metrics, appended every second while someone views the board. */
      feed: z.enum(["connections", "events"]).optional(),
    })
    .default({ points: [] }),
  ops: [chartAppend],
  limits: CHART_LIMITS,
  size: { initial: { w: 6, h: 7 }, min: { w: 3, h: 5 } },
  fields: [],
  create: (data) => ({
    points: data.points.length ? mergePoints([], data.points) : [],
    ...(data.feed ? { feed: data.feed } : {}),
  }),
  fieldOf: () => undefined,
  check: () => undefined,
  apply: (w, op) => ({ ...w, data: { ...w.data, points: mergePoints(w.data.points, op.points) } }),
  // Points are only ever appended: a restored chart keeps what it has; a re-added one its newest points.
  addData: (data) => ({
    points: data.points.slice(-CHART_LIMITS.pointsPerOp),
    ...(data.feed ? { feed: data.feed } : {}),
  }),
});
