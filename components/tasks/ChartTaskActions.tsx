"use client";

import { Calculator, MoreVertical, Upload } from "lucide-react";
import { useRef, useState } from "react";
import { toast } from "sonner";
import { Menu, MenuItem } from "@/components/ui/Menu";
import { btn } from "@/components/ui/styles";
import { useBoardTasks } from "./BoardTasks";
import { formatBytes } from "@/lib/format";

const MAX_BYTES = 5 * 1024 * 1024;

/** A chart's menu: import a CSV into it, or summarize it into a KPI. Both run as background tasks. */
export function ChartTaskActions({ boardId, widgetId }: { boardId: string; widgetId: string }) {
  const tasks = useBoardTasks();
  const file = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  const run = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
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
      toast.error(`${f.name} is ${formatBytes(f.size)}; the limit is ${formatBytes(MAX_BYTES)}.`);
      return;
    }
    void run("The import", () => tasks.uploadCsv(boardId, widgetId, f));
  };

  return (
    <div className="relative">
      <Menu
        triggerClassName={btn.icon}
        triggerLabel="Chart actions"
        trigger={<MoreVertical className="h-4 w-4" aria-hidden />}
        disabled={busy}
        menuClassName="z-30 w-56"
      >
        {
          <>
            <MenuItem onSelect={() => file.current?.click()}>
              <Upload className="h-4 w-4" aria-hidden /> Import CSV…
            </MenuItem>
            <MenuItem onSelect={() => void run("The summary", () => tasks.startSummary(boardId, widgetId))}>
              <Calculator className="h-4 w-4" aria-hidden /> Summarize into a KPI
            </MenuItem>
          </>
        }
      </Menu>
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
    </div>
  );
}
