"use client";

import { Calculator, MoreVertical, Upload } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { widgetIn } from "@/lib/boards/types";
import { Menu, MenuItem } from "@/components/ui/Menu";
import { btn } from "@/components/ui/styles";
import { useBoardContext } from "../board/BoardContext";
import { useBoardTasks } from "./BoardTasks";
import { ImportCsvDialog } from "./ImportCsvDialog";

/** A chart's menu: import a CSV into it, or summarize it into a KPI. Both run as background tasks. */
export function ChartTaskActions({ boardId, widgetId }: { boardId: string; widgetId: string }) {
  const tasks = useBoardTasks();
  const chartTitle = widgetIn(useBoardContext().doc, widgetId)?.title ?? "";
  const [importing, setImporting] = useState(false);
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
            <MenuItem onSelect={() => setImporting(true)}>
              <Upload className="h-4 w-4" aria-hidden /> Import CSV…
            </MenuItem>
            <MenuItem onSelect={() => void run("The summary", () => tasks.startSummary(boardId, widgetId))}>
              <Calculator className="h-4 w-4" aria-hidden /> Summarize into a KPI
            </MenuItem>
          </>
        }
      </Menu>
      <ImportCsvDialog
        open={importing}
        onClose={() => setImporting(false)}
        widgetId={widgetId}
        chartTitle={chartTitle}
        onImport={async (file) => {
          await tasks.uploadCsv(boardId, widgetId, file);
          toast.success("The import started", {
            description: "Follow its progress on the chart, or under Tasks.",
          });
        }}
      />
    </div>
  );
}
