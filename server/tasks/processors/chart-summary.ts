import type { TaskRequest, TaskResult } from "@/lib/protocol/tasks";
import { summarizeValues } from "../stats";
import { TaskFailure, type TaskContext } from "../queue";
import { applyAsOwner, openAsOwner, type ProcessorDeps } from "./deps";
import { firstFreePlace } from "@/lib/boards/placement";
import { widgetIn } from "@/lib/boards/types";

/** The size of the KPI a summary adds. */
const KPI_SIZE = { w: 4, h: 4 };

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Count, min, max, mean and percentiles of a chart's points, written into a KPI widget (added when needed). */
export async function summarizeChart(
  ctx: TaskContext,
  req: Extract<TaskRequest, { kind: "chart-summary" }>,
  deps: ProcessorDeps,
): Promise<TaskResult> {
  await ctx.progress(10, "reading the chart");
  const { doc } = await openAsOwner(deps, ctx.task.owner, req.boardId);
  const chart = widgetIn(doc, req.chartWidgetId);
  if (chart?.type !== "chart")
    throw new TaskFailure({ message: "that chart no longer exists", retryable: false });
  const stats = summarizeValues(chart.data.points.map((p) => p[1]));
  if (!stats) throw new TaskFailure({ message: "the chart has no data to summarize", retryable: false });
  await ctx.progress(50, "writing the KPI");
  await ctx.checkCancelled();

  const opId = (step: string) => `${ctx.task.id}-${step}`;
  const fullStats = { ...stats, source: chart.id, at: Date.now() };
  let kpiId = req.kpiWidgetId;
  if (kpiId && widgetIn(doc, kpiId)?.type !== "kpi")
    throw new TaskFailure({ message: "that KPI widget no longer exists", retryable: false });
  if (!kpiId) {
    kpiId = `kpi-${ctx.task.id.slice(0, 12)}`;
    await applyAsOwner(deps, ctx.task.owner, req.boardId, opId("add"), {
      type: "widget.add",
      widget: {
        id: kpiId,
        type: "kpi",
        title: `Summary of ${chart.title || "chart"}`.slice(0, 120),
        layout: firstFreePlace(
          Object.values(doc.widgets).map((w) => w.layout),
          KPI_SIZE,
        ),
        data: { value: round(stats.mean), label: "mean", unit: "" },
      },
    });
  } else {
    const kpi = widgetIn(doc, kpiId)!;
    await applyAsOwner(deps, ctx.task.owner, req.boardId, opId("value"), {
      type: "kpi.value",
      widgetId: kpiId,
      value: round(stats.mean),
      baseRev: kpi.revs.value ?? 0,
    });
  }
  await applyAsOwner(deps, ctx.task.owner, req.boardId, opId("stats"), {
    type: "kpi.stats",
    widgetId: kpiId,
    stats: fullStats,
  });
  await ctx.progress(100, "done");
  return { kind: "chart-summary", stats, kpiWidgetId: kpiId };
}
