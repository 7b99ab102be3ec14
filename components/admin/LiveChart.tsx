"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ClusterPoint } from "@/lib/protocol/admin";
import { DASH } from "@/lib/format";

type NumericKey = {
  [K in keyof ClusterPoint]: ClusterPoint[K] extends number | null ? K : never;
}[keyof ClusterPoint];

export interface ChartSeries {
  key: NumericKey;
  label: string;
  color: string;
  dash?: number[];
}

export interface LiveChartProps {
  id: string;
  title: string;
  /** What the numbers mean, under the title. */
  note?: string;
  points: ClusterPoint[];
  series: ChartSeries[];
  /** Visible time range, in seconds. */
  rangeSeconds: number;
  format: (v: number | null) => string;
  /** Shown over the plot while no series has a value in range. */
  emptyText: string;
  height?: number;
}

const AXIS = {
  stroke: "#64748b",
  font: "11px ui-sans-serif, system-ui, sans-serif",
  grid: { stroke: "#eef2f7", width: 1 },
  ticks: { stroke: "#e2e8f0", width: 1 },
};

/**
 * One live time series chart on uPlot: created once, then fed with `setData` each second, so updates redraw a
 * canvas instead of re-rendering SVG. The legend beside it is plain text: the latest values, or the hovered ones.
 */
export function LiveChart(props: LiveChartProps) {
  const { id, title, note, points, series, rangeSeconds, format, emptyText, height = 180 } = props;
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [hoverIdx, setHoverIdx] = useState<number | null>(null);
  const latestT = points[points.length - 1]?.t ?? 0;

  const visible = useMemo(() => {
    const from = latestT - rangeSeconds * 1_000;
    return points.filter((p) => p.t > from);
  }, [points, latestT, rangeSeconds]);

  const data = useMemo<uPlot.AlignedData>(
    () => [visible.map((p) => p.t / 1_000), ...series.map((s) => visible.map((p) => p[s.key]))],
    [visible, series],
  );
  // uPlot calls these back; refs keep the plot from being rebuilt when they change.
  const range = useRef({ latest: latestT, seconds: rangeSeconds });
  const formatRef = useRef(format);

  // The plot is built once per set of series; later data arrives through setData below.
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: {
          time: true,
          // A fixed window ending at the newest point: the chart scrolls steadily even while data is sparse.
          range: () => {
            const max = range.current.latest / 1_000;
            return [max - range.current.seconds, max];
          },
        },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      axes: [{ ...AXIS }, { ...AXIS, size: 56, values: (_u, vals) => vals.map((v) => formatRef.current(v)) }],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          dash: s.dash,
          points: { show: false },
          spanGaps: false,
        })),
      ],
      hooks: { setCursor: [(u) => setHoverIdx(u.cursor.idx ?? null)] },
    };
    const p = new uPlot(opts, [[], ...series.map(() => [])], el);
    plot.current = p;
    const observer = new ResizeObserver(() => {
      p.setSize({ width: Math.max(200, el.clientWidth), height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      p.destroy();
      plot.current = null;
    };
  }, [series, height]);

  useEffect(() => {
    range.current = { latest: latestT, seconds: rangeSeconds };
    formatRef.current = format;
    plot.current?.setData(data);
  }, [data, latestT, rangeSeconds, format]);

  const hasData = visible.some((p) => series.some((s) => p[s.key] !== null));
  const idx = hoverIdx !== null && hoverIdx < visible.length ? hoverIdx : visible.length - 1;
  const shown = visible[idx];
  const summary = series.map((s) => `${s.label} ${shown ? format(shown[s.key]) : DASH}`).join(", ");

  return (
    <section
      className="min-w-0 rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200"
      aria-labelledby={`${id}-title`}
      data-testid={`chart-${id}`}
      data-has-data={hasData ? "true" : "false"}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <div>
          <h3 id={`${id}-title`} className="text-sm font-medium text-slate-900">
            {title}
          </h3>
          {note ? <p className="text-xs text-slate-500">{note}</p> : null}
        </div>
        <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs" aria-live="off">
          {series.map((s) => (
            <li key={s.key} className="flex items-center gap-1.5 text-slate-600">
              <span
                aria-hidden
                className="inline-block h-0.5 w-3 rounded"
                style={{ backgroundColor: s.color }}
              />
              {s.label}
              <span className="font-medium tabular-nums text-slate-900" data-testid={`chart-${id}-${s.key}`}>
                {shown ? format(shown[s.key]) : DASH}
              </span>
            </li>
          ))}
        </ul>
      </div>
      <div className="relative mt-2" role="img" aria-label={`${title}: ${summary}`}>
        <div ref={container} className="w-full" />
        {!hasData ? (
          <p className="pointer-events-none absolute inset-0 flex items-center justify-center px-6 text-center text-sm text-slate-500">
            {emptyText}
          </p>
        ) : null}
      </div>
    </section>
  );
}
