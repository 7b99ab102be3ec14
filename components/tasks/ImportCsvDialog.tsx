"use client";

import { CheckCircle2, FileUp, Upload } from "lucide-react";
import { useId, useState } from "react";
import { checkCsvHead, CSV_SAMPLE, HEAD_BYTES, TIME_COLUMNS, VALUE_COLUMNS } from "@/lib/csv/head";
import { formatBytes } from "@/lib/format";
import { Dialog, DialogActions } from "@/components/ui/Dialog";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { button } from "@/components/ui/styles";

/** The largest file the server takes (`TASK_UPLOAD_MAX_BYTES`'s default). */
export const CSV_MAX_BYTES = 5 * 1024 * 1024;

const CSV_NAME = /\.(csv|txt)$/i;

type Picked =
  | { file: File; ok: true; columns: string[] }
  | { file: File; ok: false; problem: string }
  | { checking: string };

/**
 * Checks a chosen file before anything is uploaded: its size, what its first bytes say it is, and its header line.
 * The same head check runs on the server (`lib/csv/head.ts`).
 */
async function checkFile(file: File): Promise<Picked> {
  const fail = (problem: string): Picked => ({ file, ok: false, problem });
  if (file.size === 0) return fail(`${file.name} is empty.`);
  if (file.size > CSV_MAX_BYTES)
    return fail(`${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(CSV_MAX_BYTES)}.`);
  const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  const { problem, columns } = checkCsvHead(head, file.size);
  if (problem) return fail(`${file.name}: ${problem}.`);
  if (!CSV_NAME.test(file.name) && !file.type.startsWith("text/"))
    return fail(`${file.name} is not a .csv file; save the data as CSV and choose that file.`);
  return { file, ok: true, columns: columns ?? [] };
}

/**
 * Importing a CSV into a chart: what the file must look like (with a sample), a file picker, and the file checked
 * before the import starts, so a wrong file is refused at once with a plain sentence and no task runs.
 */
export function ImportCsvDialog({
  open,
  onClose,
  widgetId,
  chartTitle,
  onImport,
}: {
  open: boolean;
  onClose(): void;
  widgetId: string;
  chartTitle: string;
  /** Uploads the file and starts the task; resolves once it has started. */
  onImport(file: File): Promise<void>;
}) {
  const [picked, setPicked] = useState<Picked | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const statusId = useId();

  const close = () => {
    setPicked(null);
    setError(null);
    onClose();
  };

  const choose = async (file: File | undefined) => {
    setError(null);
    if (!file) return setPicked(null);
    setPicked({ checking: file.name });
    setPicked(await checkFile(file));
  };

  const start = async () => {
    if (!picked || !("ok" in picked) || !picked.ok) return;
    setBusy(true);
    setError(null);
    try {
      await onImport(picked.file);
      close();
    } catch (err) {
      setError(`The import did not start: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const sample = `data:text/csv;charset=utf-8,${encodeURIComponent(CSV_SAMPLE)}`;
  return (
    <Dialog
      open={open}
      onClose={close}
      size="md"
      title="Import a CSV file"
      description={<>Adds the file&apos;s rows to “{chartTitle || "chart"}” as points, in the background.</>}
    >
      <div className="space-y-4 text-sm text-slate-700">
        <div className="space-y-2" data-testid="csv-format">
          <p>
            The first line names the columns: one for the time ({TIME_COLUMNS.map((c) => `“${c}”`).join(", ")}
            ) and one for the value ({VALUE_COLUMNS.map((c) => `“${c}”`).join(", ")}). Other columns are
            ignored.
          </p>
          <ul className="list-disc space-y-0.5 pl-5 text-slate-600">
            <li>A time is an ISO 8601 date and time (2026-11-01T10:00:00Z) or milliseconds since 1970.</li>
            <li>A value is a number, with a dot for decimals.</li>
            <li>
              Up to {formatBytes(CSV_MAX_BYTES)}. The chart keeps its newest points; invalid rows are listed,
              and you can import the valid ones only.
            </li>
          </ul>
          <div className="rounded-lg bg-slate-50 ring-1 ring-slate-200">
            <div className="flex items-center justify-between border-b border-slate-200 px-3 py-1 text-xs text-slate-500">
              <span>Sample</span>
              <a href={sample} download="sample.csv" className="font-medium text-indigo-700 hover:underline">
                Download sample.csv
              </a>
            </div>
            <pre className="overflow-x-auto px-3 py-2 font-mono text-xs text-slate-800">{CSV_SAMPLE}</pre>
          </div>
        </div>

        <div className="space-y-2">
          <label htmlFor={inputId} className={`${button("secondary")} cursor-pointer`}>
            <FileUp className="h-4 w-4" aria-hidden /> Choose a CSV file…
          </label>
          <input
            id={inputId}
            type="file"
            accept=".csv,text/csv,text/plain"
            className="sr-only"
            aria-describedby={statusId}
            data-testid={`csv-input-${widgetId}`}
            onChange={(e) => {
              void choose(e.target.files?.[0]);
              e.target.value = "";
            }}
          />
          <div id={statusId} aria-live="polite" className="break-words [overflow-wrap:anywhere]">
            {picked && "checking" in picked ? (
              <p className="text-slate-500">Checking {picked.checking}…</p>
            ) : null}
            {picked && "ok" in picked && picked.ok ? (
              <p className="flex items-start gap-1.5 text-emerald-800" data-testid="csv-file-ok">
                <CheckCircle2 className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
                <span>
                  {picked.file.name} · {formatBytes(picked.file.size)} · columns {picked.columns.join(", ")}
                </span>
              </p>
            ) : null}
          </div>
          {picked && "ok" in picked && !picked.ok ? (
            <ErrorNote look="box" className="break-words [overflow-wrap:anywhere]">
              <span data-testid="csv-file-refused">{picked.problem}</span>
            </ErrorNote>
          ) : null}
          <ErrorNote look="box" className="break-words [overflow-wrap:anywhere]">
            {error}
          </ErrorNote>
        </div>

        <DialogActions
          onCancel={close}
          busy={busy}
          disabled={!picked || !("ok" in picked) || !picked.ok}
          icon={<Upload className="h-4 w-4" aria-hidden />}
          onConfirm={() => void start()}
        >
          Import
        </DialogActions>
      </div>
    </Dialog>
  );
}
