"use client";

import { Check, Copy, Info } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Popover } from "@/components/ui/Popover";
import { btn } from "@/components/ui/styles";

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      aria-label={`Copy ${label}`}
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
      className="shrink-0 rounded p-1 text-slate-400 hover:bg-slate-700 hover:text-white"
    >
      {copied ? (
        <Check className="h-3.5 w-3.5 text-emerald-400" aria-hidden />
      ) : (
        <Copy className="h-3.5 w-3.5" aria-hidden />
      )}
    </button>
  );
}

/** How integrators feed this chart: its ids, the push URL and a ready-to-run curl command. */
export function ChartInfo({ boardId, widgetId }: { boardId: string; widgetId: string }) {
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const url = `${origin}/api/boards/${boardId}/widgets/${widgetId}/points`;
  const curl = [
    `curl -X POST '${url}' \\`,
    `  -H "Authorization: Bearer $TOKEN" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d "{\\"points\\": [[$(date +%s000), 42]]}"`,
  ].join("\n");
  return (
    <Popover
      label="Push API for this chart"
      trigger={<Info className="h-4 w-4" aria-hidden />}
      triggerClassName={btn.icon}
      width={416}
    >
      <div className="space-y-2">
        <p className="font-semibold text-slate-900">Push data to this chart</p>
        <dl className="grid grid-cols-[5.5rem_1fr] gap-y-1 text-xs">
          <dt className="text-slate-500">Widget id</dt>
          <dd className="font-mono text-slate-800" data-testid="chart-widget-id">
            {widgetId}
          </dd>
          <dt className="text-slate-500">Board id</dt>
          <dd className="font-mono text-slate-800">{boardId}</dd>
        </dl>
        <div>
          <p className="text-xs text-slate-500">POST, with an API token</p>
          <div className="mt-1 flex items-start gap-1 rounded-lg bg-slate-900 px-2 py-1.5">
            <code
              className="min-w-0 flex-1 font-mono text-xs break-all text-slate-100"
              data-testid="chart-push-url"
            >
              {url}
            </code>
            <CopyButton text={url} label="URL" />
          </div>
        </div>
        <div>
          <p className="text-xs text-slate-500">
            Example: points are [epoch ms, value], up to 1,000 per request
          </p>
          <div className="mt-1 flex items-start gap-1 rounded-lg bg-slate-900 px-2 py-1.5">
            <pre className="min-w-0 flex-1 overflow-x-auto font-mono text-xs text-slate-100">{curl}</pre>
            <CopyButton text={curl} label="curl command" />
          </div>
        </div>
        <p className="text-xs text-slate-500">
          Send an <code>Idempotency-Key</code> header to make retries safe.{" "}
          <Link href="/tokens" className="font-medium text-indigo-700 underline">
            Create an API token
          </Link>
        </p>
      </div>
    </Popover>
  );
}
