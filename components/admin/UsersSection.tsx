"use client";

import { ChevronDown, ChevronLeft, ChevronRight, Loader2, Pencil, Search, Unplug } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import type { AdminSocket } from "@/lib/client/admin-socket";
import type { AdminConnection, AdminUserRow, UsersPage } from "@/lib/protocol/admin";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { actionsColumn, DataTable, type Column } from "@/components/ui/DataTable";
import { button, card, fieldSm } from "@/components/ui/styles";
import { adminRequest } from "./admin-request";
import { formatCompact } from "@/lib/format";
import { LimitEditor } from "./LimitEditor";
import { TimeAgo } from "./TimeAgo";

export interface UsersSectionProps {
  admin: AdminSocket | null;
  page: UsersPage | null;
  pending: boolean;
  error: string | null;
  /** What the admin typed; the query follows it after a short pause. */
  searchText: string;
  onSearchText(text: string): void;
  onPage(page: number): void;
  /** The server's clock now, for "connected 3 min ago". */
  now: number;
  /** The signed-in admin, marked in the table. */
  me?: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${formatCompact(n)} ${n === 1 ? one : many}`;

const browsersOf = (row: AdminUserRow) => [...new Set(row.connections.map((c) => c.browser))];

function instancesOf(row: AdminUserRow): string {
  return Object.keys(row.perInstance).sort().join(" and ");
}

/**
 * Who is connected, where, and with what; live. Ordered by name so rows stay put while counts change, searched and
 * paged on the server, so a large deployment sends only the rows on screen.
 */
export function UsersSection(props: UsersSectionProps) {
  const { admin, page, pending, error, searchText, onSearchText, onPage, now, me } = props;
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [editing, setEditing] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<AdminUserRow | null>(null);
  const [disconnecting, setDisconnecting] = useState(false);
  const [disconnectError, setDisconnectError] = useState<string | null>(null);

  const toggle = (name: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  async function saveLimit(user: string, limit: number | null): Promise<string | null> {
    const res = await adminRequest(admin, "admin:set-limit", { user, limit });
    if (!res.ok) return res.error.message;
    toast.success(
      limit === null
        ? `${user} follows the default limit again`
        : `${user} may now connect in ${limit} places`,
    );
    return null;
  }

  async function disconnect(row: AdminUserRow) {
    setDisconnecting(true);
    setDisconnectError(null);
    const res = await adminRequest(admin, "admin:disconnect-user", { user: row.name });
    setDisconnecting(false);
    if (!res.ok) {
      setDisconnectError(res.error.message);
      return;
    }
    setConfirm(null);
    const where = Object.keys(res.perInstance).length;
    const summary =
      res.closed === 0
        ? `${row.name} had no connections left.`
        : `Closed ${plural(res.closed, "connection")} of ${row.name} on ${plural(where, "instance")}.`;
    if (res.unanswered > 0)
      toast.warning(summary, {
        description: `${plural(res.unanswered, "instance")} did not answer; their ${plural(res.released, "connection")} of ${row.name} were released and close at their next heartbeat.`,
      });
    else toast.success(summary);
  }

  const rows = page?.rows ?? [];
  const searching = searchText.trim() !== "";
  return (
    <section id="users" aria-labelledby="users-title" className={`${card} scroll-mt-24`}>
      <div className="flex flex-wrap items-end justify-between gap-3 px-4 pt-4">
        <div>
          <h2 id="users-title" className="text-sm font-medium text-slate-900">
            Users
          </h2>
          <p className="text-xs text-slate-500" data-testid="users-summary" aria-live="polite">
            {page
              ? `${plural(page.totalUsers, "user")} connected · ${plural(page.totalConnections, "connection")} · live`
              : "Loading…"}
          </p>
        </div>
        <label className="relative block w-full sm:w-72">
          <span className="sr-only">Search users</span>
          <Search
            className="pointer-events-none absolute left-2.5 top-2 h-4 w-4 text-slate-400"
            aria-hidden
          />
          <input
            type="search"
            value={searchText}
            onChange={(e) => onSearchText(e.target.value)}
            placeholder="Search users, instances, IPs"
            maxLength={64}
            className={`${fieldSm} w-full pl-8`}
            data-testid="users-search"
          />
          {pending && page ? (
            <Loader2
              className="absolute right-2.5 top-2 h-4 w-4 animate-spin text-slate-400"
              aria-label="Searching"
            />
          ) : null}
        </label>
      </div>
      <ErrorNote look="box" className="mx-4 mt-3">
        {error}
      </ErrorNote>

      <div className="relative mt-3 overflow-x-auto">
        <DataTable<AdminUserRow>
          data-testid="users-table"
          className="sm:min-w-[34rem] md:min-w-[46rem]"
          rows={page ? rows : null}
          rowKey={(row) => row.name}
          rowProps={(row) => ({ "data-testid": `user-${row.name}`, "data-connections": row.connectionCount })}
          detail={(row) =>
            expanded.has(row.name)
              ? { id: `user-${row.name}-details`, content: <ConnectionList row={row} now={now} /> }
              : null
          }
          loading="Loading the users…"
          empty={searching ? `No connected user matches “${searchText.trim()}”.` : "Nobody is connected."}
          columns={[
            {
              header: "User",
              rowHeader: true,
              className: "font-medium text-slate-900",
              cell: (row) => {
                const open = expanded.has(row.name);
                return (
                  <>
                    <button
                      type="button"
                      onClick={() => toggle(row.name)}
                      aria-expanded={open}
                      aria-controls={`user-${row.name}-details`}
                      className="inline-flex items-center gap-1.5 whitespace-nowrap rounded hover:text-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-500"
                    >
                      <ChevronDown
                        className={`h-4 w-4 text-slate-400 transition-transform ${open ? "" : "-rotate-90"}`}
                        aria-hidden
                      />
                      {row.name}
                    </button>
                    {row.name === me ? (
                      <span className="ml-2 rounded-full bg-indigo-50 px-1.5 py-0.5 text-xs font-normal text-indigo-700">
                        you
                      </span>
                    ) : null}
                    <p className="mt-0.5 pl-5.5 text-xs font-normal text-slate-500 sm:hidden">
                      {plural(row.connectionCount, "connection")} on {instancesOf(row)}
                    </p>
                  </>
                );
              },
            },
            {
              header: "Connections",
              from: "sm",
              cell: (row) => (
                <>
                  <span className="font-medium tabular-nums text-slate-900">
                    {formatCompact(row.connectionCount)}
                  </span>
                  <span className="ml-2 inline-flex flex-wrap gap-1 align-middle">
                    {Object.entries(row.perInstance)
                      .sort(([a], [b]) => a.localeCompare(b))
                      .map(([instance, n]) => (
                        <span
                          key={instance}
                          className="rounded-md bg-slate-100 px-1.5 py-0.5 text-xs tabular-nums text-slate-600"
                          data-testid={`user-${row.name}-on-${instance}`}
                          data-count={n}
                        >
                          {instance} × {n}
                        </span>
                      ))}
                  </span>
                </>
              ),
            },
            {
              header: "Browsers",
              from: "md",
              className: "max-w-[16rem] truncate text-slate-600",
              cellProps: (row) => ({ title: browsersOf(row).join(", ") }),
              cell: (row) => {
                const browsers = browsersOf(row);
                return (
                  <>
                    {browsers[0]}
                    {browsers.length > 1 ? (
                      <span className="text-slate-500"> +{browsers.length - 1} more</span>
                    ) : null}
                  </>
                );
              },
            },
            {
              header: "Limit",
              cellProps: (row) => ({ "data-testid": `user-${row.name}-limit`, "data-limit": row.limit }),
              cell: (row) =>
                editing === row.name ? (
                  <LimitEditor
                    value={row.limit}
                    label={`Connection limit of ${row.name}`}
                    clearLabel={row.limitSource === "user" ? "Use default" : undefined}
                    save={(limit) => saveLimit(row.name, limit)}
                    onDone={() => setEditing(null)}
                  />
                ) : (
                  <span className="inline-flex items-center gap-2 whitespace-nowrap">
                    <span
                      className={`tabular-nums ${row.connectionCount >= row.limit ? "font-medium text-amber-700" : ""}`}
                    >
                      {formatCompact(row.connectionCount)} / {formatCompact(row.limit)}
                    </span>
                    {row.limitSource === "user" ? (
                      <span className="rounded-full bg-violet-50 px-1.5 py-0.5 text-xs text-violet-700 ring-1 ring-violet-200">
                        own limit
                      </span>
                    ) : null}
                    <button
                      type="button"
                      className={button("ghost", "xs")}
                      onClick={() => setEditing(row.name)}
                      aria-label={`Edit the connection limit of ${row.name}`}
                    >
                      <Pencil className="h-3.5 w-3.5" aria-hidden />
                    </button>
                  </span>
                ),
            },
            actionsColumn((row) => (
              <button
                type="button"
                className={button("dangerGhost", "sm")}
                onClick={() => {
                  setDisconnectError(null);
                  setConfirm(row);
                }}
                data-testid={`disconnect-${row.name}`}
                aria-label={`Disconnect ${row.name} everywhere`}
              >
                <Unplug className="h-4 w-4" aria-hidden />
                <span className="sr-only sm:not-sr-only">Disconnect</span>
              </button>
            )),
          ]}
        />
      </div>

      <div className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 text-xs text-slate-500">
        <span>
          {page && searching
            ? `${plural(page.matchingUsers, "user")} with ${plural(page.matchingConnections, "connection")} match`
            : "Ordered by name. Times are the connecting instance's clock."}
        </span>
        {page && page.pages > 1 ? (
          <nav aria-label="Users pages" className="flex items-center gap-2">
            <button
              type="button"
              className={button("secondary", "sm")}
              onClick={() => onPage(page.page - 1)}
              disabled={page.page <= 1}
              aria-label="Previous page"
            >
              <ChevronLeft className="h-4 w-4" aria-hidden />
            </button>
            <span className="tabular-nums" aria-current="page">
              Page {page.page} of {page.pages}
            </span>
            <button
              type="button"
              className={button("secondary", "sm")}
              onClick={() => onPage(page.page + 1)}
              disabled={page.page >= page.pages}
              aria-label="Next page"
            >
              <ChevronRight className="h-4 w-4" aria-hidden />
            </button>
          </nav>
        ) : null}
      </div>

      <ConfirmDialog
        open={confirm !== null}
        title={confirm ? `Disconnect ${confirm.name} everywhere?` : ""}
        confirmLabel="Disconnect everywhere"
        busyLabel="Disconnecting…"
        tone="danger"
        busy={disconnecting}
        error={disconnectError}
        onCancel={() => setConfirm(null)}
        onConfirm={() => confirm && void disconnect(confirm)}
      >
        {confirm ? (
          <>
            <p>
              This closes {confirm.name === me ? "your" : "their"}{" "}
              {plural(confirm.connectionCount, "connection")} on {instancesOf(confirm)}, including any that
              opened since this table was drawn.
            </p>
            <p>
              {confirm.name === me
                ? "That includes this tab: the panel goes offline."
                : `Their tabs say an administrator disconnected them and stay offline until ${confirm.name} reconnects. It does not sign them out.`}
            </p>
          </>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}

const CONNECTION_COLUMNS: Column<AdminConnection>[] = [
  { header: "Instance", className: "whitespace-nowrap font-medium", cell: (c) => c.instanceId },
  {
    header: "Transport",
    cell: (c) => (
      <span
        className={`rounded px-1.5 py-0.5 ${
          c.transport === "websocket" ? "bg-sky-50 text-sky-700" : "bg-amber-50 text-amber-800"
        }`}
      >
        {c.transport === "websocket" ? "WebSocket" : "Polling"}
      </span>
    ),
  },
  {
    header: "Browser",
    className: "max-w-[18rem] truncate",
    cellProps: (c) => ({ title: c.userAgent || undefined }),
    cell: (c) => (
      <>
        {c.browser}
        {c.via === "token" && c.browser !== "API token" ? (
          <span className="ml-1 text-slate-500">(API token)</span>
        ) : null}
      </>
    ),
  },
  { header: "IP address", className: "whitespace-nowrap font-mono", cell: (c) => c.ip },
];

function ConnectionList({ row, now }: { row: AdminUserRow; now: number }) {
  return (
    <div className="relative overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
      <DataTable
        density="compact"
        data-testid={`user-${row.name}-connections`}
        caption={`Connections of ${row.name}`}
        rows={row.connections}
        rowKey={(c) => c.connectionId}
        columns={[
          ...CONNECTION_COLUMNS,
          {
            header: "Connected",
            className: "whitespace-nowrap tabular-nums",
            cell: (c) => <TimeAgo at={c.connectedAt} now={now} />,
          },
        ]}
      />
      {row.connectionCount > row.connections.length ? (
        <p className="px-3 py-1.5 text-xs text-slate-500">
          and {formatCompact(row.connectionCount - row.connections.length)} more
        </p>
      ) : null}
    </div>
  );
}
