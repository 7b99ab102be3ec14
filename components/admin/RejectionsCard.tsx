"use client";

import { formatCompact } from "@/lib/format";

const KNOWN = ["UNAUTHORIZED", "CONNECTION_LIMIT", "RATE_LIMITED", "FORBIDDEN", "DRAINING"];

/** Refused handshakes by reason, summed over the instances reporting now, since each started. */
export function RejectionsCard({ byReason }: { byReason: Record<string, number> }) {
  const reasons = [...new Set([...KNOWN, ...Object.keys(byReason)])];
  return (
    <section
      className="rounded-2xl bg-white p-4 shadow-sm ring-1 ring-slate-200"
      aria-labelledby="rejections-title"
    >
      <h2 id="rejections-title" className="text-sm font-medium text-slate-900">
        Refused handshakes
      </h2>
      <p className="text-xs text-slate-500">since each live instance started</p>
      <dl className="mt-3 grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-6">
        {reasons.map((r) => (
          <div key={r} className="rounded-lg bg-slate-50 px-3 py-2">
            <dt className="truncate text-xs text-slate-500">{r}</dt>
            <dd className="text-lg font-semibold tabular-nums text-slate-900" data-testid={`rejections-${r}`}>
              {formatCompact(byReason[r] ?? 0)}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
