"use client";

import { Activity } from "lucide-react";
import { useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartPoint, ChartWidget as ChartWidgetType } from "@/lib/boards/types";
import { formatAxisTimes, formatCount, formatNumber, formatPointTime, formatTime } from "@/lib/format";
import { CHART_RANGES, pointsInRange, stepPoint, type ChartRange } from "./range";

function toColumns(points: ChartPoint[]): uPlot.AlignedData {
  const xs = new Float64Array(points.length);
  const ys = new Float64Array(points.length);
  points.forEach(([t, v], i) => {
    xs[i] = t / 1000; // uPlot's time scale is in seconds
    ys[i] = v;
  });
  return [xs, ys] as unknown as uPlot.AlignedData;
}

/** The point under the cursor, where the tooltip goes (in px from the chart's box). */
interface Hover {
  index: number;
  left: number;
  top: number;
  /** On the right half the tooltip opens to the left of the point, so it stays inside the widget. */
  flip: boolean;
}

function chartOptions(width: number, height: number, onHover: (u: uPlot) => void): uPlot.Options {
  return {
    width,
    height,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 8 } },
    scales: { x: { time: true } },
    hooks: { setCursor: [onHover] },
    axes: [
      {
        stroke: "#64748b",
        grid: { stroke: "#f1f5f9" },
        ticks: { stroke: "#e2e8f0" },
        font: "11px system-ui",
        size: 28,
        // Whole seconds at least, and room for a label (with a date when the span crosses midnight).
        space: 90,
        incrs: [
          1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400, 604800, 2592000,
        ],
        values: (u, splits) =>
          formatAxisTimes(
            splits.map((s) => s * 1000),
            ((u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0)) * 1000,
          ),
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

/** Now, renewed every few seconds while a span before now is shown (so old points leave it), and on demand. */
function useNow(active: boolean): [number, () => void] {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 5_000);
    return () => clearInterval(t);
  }, [active]);
  return [now, () => setNow(Date.now())];
}

/**
 * A live time series drawn with uPlot. The chart is created once and fed new data as points arrive, so appends
 * redraw in place without flicker; it follows the widget's size. Hovering shows a point's time and value, and so
 * do the arrow keys once the chart has focus; a span (5 min, 1 h, 24 h, all) narrows what it shows.
 */
export function ChartWidget({ widget }: { widget: ChartWidgetType }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [range, setRange] = useState<ChartRange>("all");
  const [now, renewNow] = useNow(range !== "all");
  const all = widget.data.points;
  const points = useMemo(() => pointsInRange(all, range, now), [all, range, now]);
  const data = useMemo(() => toColumns(points), [points]);
  const dataRef = useRef(data);
  const pointsRef = useRef(points);
  const [hover, setHover] = useState<Hover | null>(null);
  const last = all[all.length - 1];

  useEffect(() => {
    dataRef.current = data;
    pointsRef.current = points;
    plot.current?.setData(data);
  }, [data, points]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const size = () => ({ width: Math.max(50, el.clientWidth), height: Math.max(40, el.clientHeight) });
    const onHover = (u: uPlot) => {
      const index = u.cursor.idx;
      const point = index === null || index === undefined ? undefined : pointsRef.current[index];
      if (index === null || index === undefined || !point) return setHover(null);
      // uPlot draws in its plotting area, inset from the box by the axes.
      const over = u.over.getBoundingClientRect();
      const outer = el.getBoundingClientRect();
      const left = over.left - outer.left + u.valToPos(point[0] / 1000, "x");
      setHover({
        index,
        left,
        top: over.top - outer.top + u.valToPos(point[1], "y"),
        flip: left > outer.width / 2,
      });
    };
    const u = new uPlot(chartOptions(size().width, size().height, onHover), dataRef.current, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize(size()));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  /** Moves uPlot's cursor onto a point, as if the pointer were there: the tooltip follows. */
  const showPoint = (index: number) => {
    const u = plot.current;
    const point = points[index];
    if (!u || !point) return;
    u.setCursor({ left: u.valToPos(point[0] / 1000, "x"), top: u.valToPos(point[1], "y") });
  };

  const hovered = hover ? points[hover.index] : undefined;
  const emptyInRange = all.length > 0 && points.length === 0;
  const span = CHART_RANGES.find((r) => r.id === range)!;

  return (
    <div className="flex h-full flex-col gap-1">
      <div className="flex flex-wrap items-baseline justify-between gap-x-2 gap-y-1 text-xs text-slate-500">
        <span className="flex items-center gap-1" data-testid="chart-latest">
          {last ? (
            <>
              <span className="text-lg font-semibold text-slate-900 tabular-nums">
                {formatNumber(last[1])}
              </span>
              <span>at {formatTime(last[0], undefined, { seconds: true })}</span>
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
        <span className="flex items-center gap-2">
          <span
            role="group"
            aria-label="Time range"
            className="inline-flex rounded-md bg-slate-100 p-0.5"
            data-testid="chart-range"
          >
            {CHART_RANGES.map((r) => (
              <button
                key={r.id}
                type="button"
                aria-pressed={range === r.id}
                title={`Show ${r.long}`}
                onClick={() => {
                  setRange(r.id);
                  renewNow();
                  setHover(null);
                }}
                className={`rounded px-1.5 py-0.5 font-medium ${
                  range === r.id ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900"
                }`}
              >
                {r.label}
              </button>
            ))}
          </span>
          <span className="tabular-nums" data-testid="chart-count" data-count={all.length}>
            {formatCount(all.length)} {all.length === 1 ? "point" : "points"}
          </span>
        </span>
      </div>
      <div className="relative min-h-0 flex-1">
        <div
          ref={box}
          className="absolute inset-0 rounded focus-visible:outline-2 focus-visible:outline-indigo-500"
          role="img"
          tabIndex={points.length > 0 ? 0 : -1}
          aria-roledescription="chart"
          aria-label={`Chart of ${formatCount(points.length)} points in ${span.long}. Use the arrow keys to read each point's time and value.`}
          aria-keyshortcuts="ArrowLeft ArrowRight Home End PageUp PageDown"
          data-testid="chart-plot"
          onKeyDown={(e) => {
            const next = stepPoint(e.key, hover?.index ?? null, points.length);
            if (next === undefined) return;
            e.preventDefault();
            showPoint(next);
          }}
          onFocus={() => {
            if (!hover && points.length > 0) showPoint(points.length - 1);
          }}
          onBlur={() => setHover(null)}
        />
        {hovered && hover ? (
          <div
            role="status"
            data-testid="chart-tooltip"
            data-time={hovered[0]}
            data-value={hovered[1]}
            className="pointer-events-none absolute z-10 rounded-md bg-slate-900 px-2 py-1 text-xs whitespace-nowrap text-white shadow-lg"
            style={{
              left: hover.left,
              top: Math.max(0, hover.top - 8),
              transform: `translate(${hover.flip ? "calc(-100% - 8px)" : "8px"}, -100%)`,
            }}
          >
            <span className="block font-semibold tabular-nums" data-testid="chart-tooltip-value">
              {formatNumber(hovered[1])}
            </span>
            <span className="block text-slate-300 tabular-nums" data-testid="chart-tooltip-time">
              {formatPointTime(hovered[0])}
            </span>
          </div>
        ) : null}
        {all.length === 0 || emptyInRange ? (
          <div className="absolute inset-0 flex flex-col items-center justify-center gap-1 rounded-lg bg-slate-50/90 text-center text-sm text-slate-500">
            <Activity className="h-5 w-5 text-slate-400" aria-hidden />
            {emptyInRange ? `No points in ${span.long}.` : "Waiting for data."}
            <span className="text-xs">
              {emptyInRange
                ? "Choose a longer time range to see older points."
                : widget.data.feed
                  ? "A point arrives every second while this board is open."
                  : "Push points over the API, or import a CSV from the chart's menu."}
            </span>
          </div>
        ) : null}
      </div>
    </div>
  );
}
