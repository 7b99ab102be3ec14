"use client";

import { Calculator, MoreVertical, Upload } from "lucide-react";
import { useRef, useState } from "react";
import { toast } from "sonner";
import { btn } from "../board/ui/buttons";
import { usePopover } from "../board/ui/usePopover";
import { useBoardTasks } from "./BoardTasks";

const MAX_BYTES = 5 * 1024 * 1024;

/** A chart's menu: import a CSV into it, or summarize it into a KPI. Both run as background tasks. */
export function ChartTaskActions({ boardId, widgetId }: { boardId: string; widgetId: string }) {
  const tasks = useBoardTasks();
  const { open, setOpen, ref } = usePopover();
  const file = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  const run = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    setOpen(false);
    try {
      await fn();
      toast.success(`${what} started`, { description: "Follow its progress on the chart, or under Tasks." });
    } catch (err) {
      toast.error(`${what} did not start: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const onFile = (f: File | undefined) => {
    if (!f) return;
    if (f.size > MAX_BYTES) {
      toast.error(`${f.name} is ${(f.size / 1024 / 1024).toFixed(1)} MB; the limit is 5 MB.`);
      return;
    }
    void run("The import", () => tasks.uploadCsv(boardId, widgetId, f));
  };

  return (
    <div className="relative" ref={ref}>
      <button
        type="button"
        className={btn.icon}
        aria-label="Chart actions"
        aria-haspopup="menu"
        aria-expanded={open}
        disabled={busy}
        onClick={() => setOpen(!open)}
      >
        <MoreVertical className="h-4 w-4" aria-hidden />
      </button>
      <input
        ref={file}
        type="file"
        accept=".csv,text/csv"
        className="hidden"
        data-testid={`csv-input-${widgetId}`}
        onChange={(e) => {
          onFile(e.target.files?.[0]);
          e.target.value = "";
        }}
      />
      {open ? (
        <div
          role="menu"
          className="absolute right-0 z-30 mt-1 w-56 rounded-xl bg-white p-1 shadow-lg ring-1 ring-slate-200"
        >
          <button
            type="button"
            role="menuitem"
            className="flex w-full items-center gap-2 rounded-lg px-3 py-2 text-left text-sm text-slate-700 hover:bg-slate-100"
            onClick={() => file.current?.click()}
          >
            <Upload className="h-4 w-4" aria-hidden /> Import CSV…
          </button>
          <button
            type="button"
            role="menuitem"
            className="flex w-full items-center gap-2 rounded-lg px-3 py-2 text-left text-sm text-slate-700 hover:bg-slate-100"
            onClick={() => void run("The summary", () => tasks.startSummary(boardId, widgetId))}
          >
            <Calculator className="h-4 w-4" aria-hidden /> Summarize into a KPI
          </button>
        </div>
      ) : null}
    </div>
  );
}
