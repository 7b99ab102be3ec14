"use client";

import { Activity } from "lucide-react";
import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartPoint, ChartWidget as ChartWidgetType } from "@/lib/boards/types";
import { formatNumber } from "@/lib/client/kpi";

function toColumns(points: ChartPoint[]): uPlot.AlignedData {
  const xs = new Float64Array(points.length);
  const ys = new Float64Array(points.length);
  points.forEach(([t, v], i) => {
    xs[i] = t / 1000; // uPlot's time scale is in seconds
    ys[i] = v;
  });
  return [xs, ys] as unknown as uPlot.AlignedData;
}

/** One line per tick: seconds for short spans, dates for long ones (the default adds a second line). */
function timeLabels(splits: number[], spanSeconds: number): string[] {
  const opts: Intl.DateTimeFormatOptions =
    spanSeconds > 2 * 86_400
      ? { month: "short", day: "numeric" }
      : spanSeconds < 300
        ? { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }
        : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  return splits.map((s) => new Date(s * 1000).toLocaleString([], opts));
}

function chartOptions(width: number, height: number): uPlot.Options {
  return {
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    scales: { x: { time: true } },
    axes: [
      {
        stroke: "#64748b",
        grid: { stroke: "#f1f5f9" },
        ticks: { stroke: "#e2e8f0" },
        font: "11px system-ui",
        size: 28,
        // Whole seconds at least, and room for a label: a few seconds of data must not pile ticks on each other.
        space: 70,
        incrs: [
          1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400, 604800, 2592000,
        ],
        values: (u, splits) => timeLabels(splits, (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0)),
      },
      {
        stroke: "#64748b",
        grid: { stroke: "#f1f5f9" },
        ticks: { stroke: "#e2e8f0" },
        font: "11px system-ui",
        size: 48,
        values: (_u, splits) => splits.map((v) => formatNumber(v)),
      },
    ],
    series: [
      {},
      { label: "value", stroke: "#4f46e5", width: 2, fill: "rgba(79,70,229,0.08)", points: { show: false } },
    ],
  };
}

/**
 * A live time series drawn with uPlot. The chart is created once and fed new data as points arrive, so appends
 * redraw in place without flicker; it follows the widget's size.
 */
export function ChartWidget({ widget }: { widget: ChartWidgetType }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const points = widget.data.points;
  const data = useMemo(() => toColumns(points), [points]);
  const dataRef = useRef(data);
  const last = points[points.length - 1];

  useEffect(() => {
    dataRef.current = data;
    plot.current?.setData(data);
  }, [data]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const size = () => ({ width: Math.max(50, el.clientWidth), height: Math.max(40, el.clientHeight) });
    const u = new uPlot(chartOptions(size().width, size().height), dataRef.current, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize(size()));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  return (
    <div className="flex h-full flex-col gap-1">
      <div className="flex items-baseline justify-between gap-2 text-xs text-slate-500">
        <span className="flex items-center gap-1" data-testid="chart-latest">
          {last ? (
            <>
              <span className="text-lg font-semibold text-slate-900 tabular-nums">
                {formatNumber(last[1])}
              </span>
              <span>at {new Date(last[0]).toLocaleTimeString()}</span>
            </>
          ) : (
            "No data yet"
          )}
        </span>
        {widget.data.feed ? (
          <span
            className="inline-flex items-center gap-1 rounded-full bg-emerald-50 px-2 py-0.5 font-medium text-emerald-800"
            title="Pulseboard's own figures, added every second while someone views this board"
            data-testid="chart-feed"
          >
            <span aria-hidden className="h-1.5 w-1.5 animate-pulse rounded-full bg-emerald-500" />
            live {widget.data.feed === "connections" ? "connections" : "messages/s"}
          </span>
        ) : null}
        <span className="tabular-nums" data-testid="chart-count" data-count={points.length}>
          {points.length.toLocaleString()} {points.length === 1 ? "point" : "points"}
        </span>
      </div>
      <div className="relative min-h-0 flex-1">
        <div
          ref={box}
          className="absolute inset-0"
          role="img"
          aria-label={`Chart of ${points.length} points`}
        />
        {points.length === 0 ? (
          <div className="absolute inset-0 flex flex-col items-center justify-center gap-1 rounded-lg bg-slate-50/90 text-center text-sm text-slate-500">
            <Activity className="h-5 w-5 text-slate-400" aria-hidden />
            Waiting for data.
            <span className="text-xs">
              {widget.data.feed
                ? "A point arrives every second while this board is open."
                : "Push points over the API, or import a CSV from the chart's menu."}
            </span>
          </div>
        ) : null}
      </div>
    </div>
  );
}
