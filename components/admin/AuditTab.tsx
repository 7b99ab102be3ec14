"use client";

import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { StatusPill } from "@/components/ui/StatusPill";
import { button, fieldSm } from "@/components/ui/styles";
import { formatDateTime, isoTime } from "@/lib/format";
import { own } from "@/lib/util/own";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type AuditPage } from "@/lib/protocol/audit";

const ACTION_LABELS: Record<AuditAction, string> = {
  signin: "Sign-in",
  "token.create": "API token created",
  "token.revoke": "API token revoked",
  "user.role": "Role changed",
  "user.password": "Password changed",
  "admin.disconnect": "User disconnected",
  "admin.announce": "Announcement",
  "limit.set": "Connection limit",
  "task.retry": "Task retried",
  "board.delete": "Board deleted",
  "board.restore": "Board restored",
  "board.share": "Board shared",
  "board.member-role": "Board role changed",
  "board.unshare": "Board unshared",
};

const PAGE_SIZE = 25;

interface Filters {
  user: string;
  action: AuditAction | "";
  /** `datetime-local` values, in the admin's time zone. */
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { user: "", action: "", from: "", to: "" };

function detailsText(details: AuditEntry["details"]): string {
  if (!details) return "";
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

const input = `mt-1 block w-full ${fieldSm}`;

const COLUMNS: readonly Column<AuditEntry>[] = [
  {
    header: "When",
    rowHeader: true,
    className: "whitespace-nowrap text-slate-700",
    cell: (e) => <time dateTime={isoTime(e.at)}>{formatDateTime(e.at, undefined, { seconds: true })}</time>,
  },
  {
    header: "Who",
    cell: (e) => e.actor ?? <span className="text-slate-500">command line</span>,
    cellProps: () => ({ "data-col": "actor" }),
  },
  {
    header: "Action",
    cell: (e) => (
      <span className="flex flex-wrap items-center gap-2">
        {own(ACTION_LABELS, e.action) ?? e.action}
        {e.outcome === "failure" ? (
          <StatusPill tone="danger" size="xs">
            failed
          </StatusPill>
        ) : null}
      </span>
    ),
    cellProps: (e) => ({ "data-action": e.action }),
  },
  {
    header: "On",
    from: "sm",
    cell: (e) => (e.target ? `${e.target.kind} ${e.target.id}` : "—"),
  },
  { header: "From", from: "md", cell: (e) => e.ip ?? "—" },
  { header: "Method", from: "md", cell: (e) => e.method ?? "—" },
  {
    header: "Details",
    from: "md",
    className: "max-w-xs truncate text-slate-600",
    cell: (e) => detailsText(e.details),
    cellProps: (e) => ({ title: detailsText(e.details) }),
  },
];

/**
 * The audit log, newest first, with filters by user, action and time, a page at a time. Read from
 * `GET /api/admin/audit` with the admin's session; the server checks the role at every request.
 */
export function AuditTab() {
  const id = useId();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  // The cursors of the pages before this one: "Newer" goes back one.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const key = JSON.stringify([filters, cursor]);
  // What was last read, and for which query: while it is for another, an answer is on its way.
  const [result, setResult] = useState<{ key: string; page: AuditPage | null; error: string | null }>({
    key: "",
    page: null,
    error: null,
  });
  const loading = result.key !== key;
  const page = result.page;
  const error = result.error;

  const load = useCallback(async (f: Filters, c: string | undefined, signal: AbortSignal) => {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (f.user.trim()) q.set("user", f.user.trim().toLowerCase());
    if (f.action) q.set("action", f.action);
    if (f.from) q.set("from", String(new Date(f.from).getTime()));
    if (f.to) q.set("to", String(new Date(f.to).getTime()));
    if (c) q.set("cursor", c);
    const res = await fetch(`/api/admin/audit?${q.toString()}`, { signal, cache: "no-store" });
    const body = (await res.json()) as (AuditPage & { ok: true }) | { ok: false; error: { message: string } };
    if (!body.ok) throw new Error(body.error.message);
    return body;
  }, []);

  useEffect(() => {
    const abort = new AbortController();
    load(filters, cursor, abort.signal)
      .then((p) => setResult({ key, page: p, error: null }))
      .catch((err: unknown) => {
        if (abort.signal.aborted) return;
        const message = err instanceof Error ? err.message : "The audit log could not be read.";
        setResult((r) => ({ key, page: r.page, error: message }));
      });
    return () => abort.abort();
  }, [filters, cursor, key, load]);

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  }

  return (
    <section aria-labelledby="audit-title" className="space-y-4">
      <div>
        <h2 id="audit-title" className="text-lg font-semibold text-slate-900">
          Audit log
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          Sign-ins, tokens, roles and passwords, admin actions and board sharing: who, what, on what, from
          where and when. Newest first.
        </p>
      </div>
      <form
        onSubmit={apply}
        aria-label="Filter the audit log"
        className="grid gap-3 rounded-xl bg-white p-4 ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-5"
      >
        <div>
          <label htmlFor={`${id}-user`} className="block text-sm font-medium text-slate-700">
            User
          </label>
          <input
            id={`${id}-user`}
            className={input}
            value={draft.user}
            onChange={(e) => setDraft({ ...draft, user: e.target.value })}
            placeholder="any user"
            autoCapitalize="none"
          />
        </div>
        <div>
          <label htmlFor={`${id}-action`} className="block text-sm font-medium text-slate-700">
            Action
          </label>
          <select
            id={`${id}-action`}
            className={input}
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value as AuditAction | "" })}
          >
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {ACTION_LABELS[a]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-from`} className="block text-sm font-medium text-slate-700">
            From
          </label>
          <input
            id={`${id}-from`}
            type="datetime-local"
            className={input}
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor={`${id}-to`} className="block text-sm font-medium text-slate-700">
            Until
          </label>
          <input
            id={`${id}-to`}
            type="datetime-local"
            className={input}
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          />
        </div>
        <div className="flex items-end gap-2">
          <button type="submit" className={button("primary", "sm")}>
            Apply
          </button>
          <button
            type="button"
            className={button("ghost", "sm")}
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
              setCursors([undefined]);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorNote>{error}</ErrorNote>
      <div className="overflow-x-auto rounded-xl bg-white ring-1 ring-slate-200">
        <DataTable
          columns={COLUMNS}
          rows={page?.entries ?? null}
          rowKey={(e) => e.id}
          rowProps={(e) => ({ "data-testid": `audit-${e.id}` })}
          caption="Audit log entries"
          empty="No entries match these filters."
          data-testid="audit-table"
          className="min-w-[40rem]"
        />
      </div>
      <nav aria-label="Audit log pages" className="flex items-center justify-between gap-2 text-sm">
        <button
          type="button"
          className={button("secondary", "sm")}
          disabled={cursors.length <= 1 || loading}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Newer
        </button>
        <span className="text-slate-600" aria-live="polite">
          Page {cursors.length}
        </span>
        <button
          type="button"
          className={button("secondary", "sm")}
          disabled={!page?.nextCursor || loading}
          onClick={() => {
            const next = page?.nextCursor;
            if (next) setCursors((c) => [...c, next]);
          }}
        >
          Older
        </button>
      </nav>
    </section>
  );
}
