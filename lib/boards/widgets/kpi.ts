import { z } from "zod";
import { finiteSchema, guarded, idSchema, textSchema, widgetTarget } from "../../protocol/schemas";
import { defineWidget, guard } from "./define";

/** A series summarized: what the chart-summary task computes. */
export interface SeriesStats {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface KpiStats extends SeriesStats {
  /** The chart widget they summarize, and when. */
  source: string;
  at: number;
}

/** A number and how it changed. */
export interface KpiData {
  value: number | null;
  /** The value before the last change, so the change can be shown. */
  previous: number | null;
  label: string;
  unit: string;
  /** Set by the "summarize chart" task. */
  stats?: KpiStats;
}

export const KPI_LIMITS = { label: 80, unit: 16 } as const;

const kpiValue = z.strictObject({
  type: z.literal("kpi.value"),
  ...widgetTarget,
  value: finiteSchema.nullable(),
  ...guarded,
});
const kpiLabel = z.strictObject({
  type: z.literal("kpi.label"),
  ...widgetTarget,
  label: textSchema(KPI_LIMITS.label),
  unit: textSchema(KPI_LIMITS.unit),
  ...guarded,
});
const kpiStats = z.strictObject({
  type: z.literal("kpi.stats"),
  ...widgetTarget,
  stats: z.strictObject({
    count: z.number().int().min(0),
    min: finiteSchema,
    max: finiteSchema,
    mean: finiteSchema,
    p50: finiteSchema,
    p95: finiteSchema,
    p99: finiteSchema,
    source: idSchema,
    at: z.number().int().min(0),
  }),
});

export const kpi = defineWidget<KpiData>()({
  type: "kpi",
  data: z
    .strictObject({
      value: finiteSchema.nullable(),
      label: textSchema(KPI_LIMITS.label),
      unit: textSchema(KPI_LIMITS.unit),
    })
    .default({ value: null, label: "", unit: "" }),
  ops: [kpiValue, kpiLabel, kpiStats],
  limits: KPI_LIMITS,
  size: { initial: { w: 3, h: 4 }, min: { w: 2, h: 3 } },
  fields: ["value", "label"],
  create: (data) => ({ ...data, previous: null }),
  fieldOf(op) {
    if (op.type === "kpi.value") return { field: "value" };
    if (op.type === "kpi.label") return { field: "label" };
    return undefined;
  },
  check(w, op) {
    const where = { widgetId: w.id };
    if (op.type === "kpi.value") guard("value", w.revs.value ?? 0, op.baseRev, w.data.value, op.value, where);
    if (op.type === "kpi.label") {
      const current = { label: w.data.label, unit: w.data.unit };
      guard("label", w.revs.label ?? 0, op.baseRev, current, { label: op.label, unit: op.unit }, where);
    }
  },
  addData: ({ value, label, unit }) => ({ value, label, unit }),
  revert(from, to) {
    const ops: (
      { type: "kpi.value"; value: number | null } | { type: "kpi.label"; label: string; unit: string }
    )[] = [];
    if (from.data.value !== to.data.value) ops.push({ type: "kpi.value", value: to.data.value });
    if (from.data.label !== to.data.label || from.data.unit !== to.data.unit)
      ops.push({ type: "kpi.label", label: to.data.label, unit: to.data.unit });
    return ops.map((op) => ({
      ...op,
      widgetId: from.id,
      baseRev: from.revs[op.type === "kpi.value" ? "value" : "label"] ?? 0,
    }));
  },
  apply(w, op, rev) {
    switch (op.type) {
      case "kpi.value":
        if (w.data.value === op.value) return { ...w, revs: { ...w.revs, value: rev } };
        return {
          ...w,
          data: { ...w.data, value: op.value, previous: w.data.value },
          revs: { ...w.revs, value: rev },
        };
      case "kpi.label":
        return { ...w, data: { ...w.data, label: op.label, unit: op.unit }, revs: { ...w.revs, label: rev } };
      case "kpi.stats":
        return { ...w, data: { ...w.data, stats: op.stats } };
    }
  },
});
