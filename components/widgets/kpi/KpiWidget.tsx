"use client";

import { Loader2, Minus, Pencil, TrendingDown, TrendingUp } from "lucide-react";
import { useId, useState, useSyncExternalStore, type FormEvent } from "react";
import type { KpiWidget as KpiWidgetType } from "@/lib/boards/types";
import { KpiEditor, type KpiDraft } from "@/lib/client/field-editor";
import { widgetKey } from "@/lib/client/field-keys";
import { formatChange, kpiChange } from "@/lib/client/kpi";
import { formatDateTime, formatNumber } from "@/lib/format";
import { btn } from "@/components/ui/styles";
import { KPI_LIMITS } from "@/lib/boards/widgets/kpi";
import { useBoardContext } from "../../board/BoardContext";
import { ConflictPanel } from "../ConflictPanel";
import { useEditorHost } from "../useEditorHost";

/** A number with its label and unit, and how it changed from the previous value. */
export function KpiWidget({ widget }: { widget: KpiWidgetType }) {
  const { committed, canEdit, conflicts, acceptTheirs, keepMine } = useBoardContext();
  const { value, previous, label, unit } = widget.data;
  const host = useEditorHost();
  const [editor] = useState(() => new KpiEditor(widget.id, host));
  const { draft, saving, error } = useSyncExternalStore(editor.subscribe, editor.getState, editor.getState);
  const formId = useId();
  const valueKey = widgetKey(widget.id, "value");
  const labelKey = widgetKey(widget.id, "label");
  const valueConflict = conflicts.get(valueKey);
  const labelConflict = conflicts.get(labelKey);
  const change = kpiChange(value, previous);

  const begin = () => editor.begin(committed, widget);
  const close = () => editor.close();
  const setDraft = (next: KpiDraft) => editor.edit(next);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    await editor.save(widget);
  };

  const Trend = change?.direction === "up" ? TrendingUp : change?.direction === "down" ? TrendingDown : Minus;
  const trendColor =
    change?.direction === "up"
      ? "text-emerald-700"
      : change?.direction === "down"
        ? "text-rose-700"
        : "text-slate-500";

  return (
    <div className="relative flex h-full flex-col gap-2">
      {valueConflict || labelConflict ? (
        // Clear of the edit button in the corner.
        <div className="flex flex-col gap-1 pr-7">
          {valueConflict ? (
            <ConflictPanel
              what="value"
              by={valueConflict.by}
              theirs={kpiValueText(valueConflict.current)}
              mine={kpiValueText(valueConflict.op.type === "kpi.value" ? valueConflict.op.value : null)}
              onKeepMine={() => void keepMine(valueConflict)}
              onUseTheirs={() => acceptTheirs(valueConflict)}
            />
          ) : null}
          {labelConflict ? (
            <ConflictPanel
              what="label"
              by={labelConflict.by}
              theirs={kpiLabelText(labelConflict.current)}
              mine={kpiLabelText(labelConflict.op.type === "kpi.label" ? labelConflict.op : null)}
              onKeepMine={() => void keepMine(labelConflict)}
              onUseTheirs={() => acceptTheirs(labelConflict)}
            />
          ) : null}
        </div>
      ) : null}
      {draft ? (
        <form id={formId} onSubmit={(e) => void save(e)} className="grid grid-cols-[1fr_5rem] gap-2 text-sm">
          <label className="col-span-1">
            <span className="text-xs font-medium text-slate-600">Value</span>
            <input
              autoFocus
              inputMode="decimal"
              value={draft.value}
              onChange={(e) => setDraft({ ...draft, value: e.target.value })}
              className={`${btn.input} mt-0.5 tabular-nums`}
            />
          </label>
          <label>
            <span className="text-xs font-medium text-slate-600">Unit</span>
            <input
              value={draft.unit}
              maxLength={KPI_LIMITS.unit}
              onChange={(e) => setDraft({ ...draft, unit: e.target.value })}
              className={`${btn.input} mt-0.5`}
              placeholder="€, %, ms"
            />
          </label>
          <label className="col-span-2">
            <span className="text-xs font-medium text-slate-600">Label</span>
            <input
              value={draft.label}
              maxLength={KPI_LIMITS.label}
              onChange={(e) => setDraft({ ...draft, label: e.target.value })}
              className={`${btn.input} mt-0.5`}
              placeholder="Monthly revenue"
            />
          </label>
          {error ? (
            <p role="alert" className="col-span-2 text-xs text-rose-700">
              {error}
            </p>
          ) : null}
          <div className="col-span-2 flex justify-end gap-2">
            <button type="button" onClick={close} className={`${btn.secondary} py-1 text-xs`}>
              Cancel
            </button>
            <button type="submit" className={`${btn.primary} py-1 text-xs`}>
              Save
            </button>
          </div>
        </form>
      ) : (
        <div className="flex min-h-0 flex-1 flex-col justify-center">
          <p className="flex items-baseline gap-1.5 pr-6" data-testid="kpi-value">
            <span className="text-3xl leading-tight font-semibold tracking-tight text-slate-900 tabular-nums">
              {value === null ? "—" : formatNumber(value)}
            </span>
            {unit ? <span className="text-lg font-medium text-slate-500">{unit}</span> : null}
            {saving ? <Loader2 className="h-4 w-4 animate-spin text-slate-400" aria-label="Saving" /> : null}
          </p>
          <p className="truncate text-sm text-slate-600">{label || (canEdit ? "No label yet" : "")}</p>
          {change ? (
            <p
              className={`mt-2 flex flex-wrap items-center gap-x-1 text-sm font-medium ${trendColor}`}
              data-testid="kpi-change"
            >
              <Trend className="h-4 w-4" aria-hidden />
              <span>{formatChange(change)}</span>
              <span className="font-normal text-slate-500">from {formatNumber(previous!)}</span>
            </p>
          ) : (
            <p className="mt-1 text-sm text-slate-500">No earlier value</p>
          )}
          {widget.data.stats ? <KpiStats stats={widget.data.stats} /> : null}
        </div>
      )}
      {canEdit && !draft ? (
        <button
          type="button"
          onClick={begin}
          aria-label="Edit KPI"
          title="Edit KPI"
          className="absolute top-0 right-0 rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
        >
          <Pencil className="h-4 w-4" aria-hidden />
        </button>
      ) : null}
    </div>
  );
}

/** A KPI's value as both sides of a conflict show it. */
function kpiValueText(value: unknown): string {
  return typeof value === "number" ? formatNumber(value) : "—";
}

function kpiLabelText(value: unknown): string {
  const v = value as { label?: unknown; unit?: unknown } | null;
  const label = typeof v?.label === "string" && v.label ? v.label : "—";
  const unit = typeof v?.unit === "string" && v.unit ? ` (${v.unit})` : "";
  return label + unit;
}

/** The figures a "summarize chart" task wrote, below the value. */
function KpiStats({ stats }: { stats: NonNullable<KpiWidgetType["data"]["stats"]> }) {
  const cells: [string, number][] = [
    ["n", stats.count],
    ["min", stats.min],
    ["p50", stats.p50],
    ["p95", stats.p95],
    ["p99", stats.p99],
    ["max", stats.max],
  ];
  return (
    <dl
      className="mt-2 grid grid-cols-3 gap-x-3 gap-y-0.5 text-xs text-slate-600"
      data-testid="kpi-stats"
      title={`Summary of chart ${stats.source}, ${formatDateTime(stats.at)}`}
    >
      {cells.map(([k, v]) => (
        <div key={k} className="flex justify-between gap-1">
          <dt className="text-slate-500">{k}</dt>
          <dd className="font-medium tabular-nums">{formatNumber(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
