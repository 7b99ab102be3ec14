"use client";

import { Loader2, Pencil, Plus, X } from "lucide-react";
import { useId, useState } from "react";
import { toast } from "sonner";
import type { AdminSocket } from "@/lib/client/admin-socket";
import { CONNECTION_LIMIT_MAX, CONNECTION_LIMIT_MIN, type LimitSettings } from "@/lib/protocol/admin";
import { ErrorNote } from "@/components/ui/ErrorNote";
import { button, card, fieldSm } from "@/components/ui/styles";
import { adminRequest } from "./admin-request";
import { formatCompact } from "@/lib/format";
import { LimitEditor } from "./LimitEditor";

const USER_NAME = /^[a-z0-9][a-z0-9_-]{1,31}$/;

/**
 * The global connection limit and the per-user overrides, read at every admission on every instance: a change
 * applies to the next connection anywhere, and connections already open stay.
 */
export function LimitsCard({ admin, limits }: { admin: AdminSocket | null; limits: LimitSettings | null }) {
  const [editingDefault, setEditingDefault] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);

  async function setLimit(user: string | undefined, limit: number | null): Promise<string | null> {
    const res = await adminRequest(
      admin,
      "admin:set-limit",
      user === undefined ? { limit } : { user, limit },
    );
    if (!res.ok) return res.error.message;
    const d = res.limits;
    toast.success(
      user === undefined
        ? `Default limit: ${d.default} ${d.defaultSource === "config" ? "(from MAX_CONNECTIONS_PER_USER)" : ""}`
        : limit === null
          ? `${user} follows the default limit again`
          : `${user} may now connect in ${limit} places`,
    );
    return null;
  }

  async function removeOverride(user: string) {
    setRemoving(user);
    const failed = await setLimit(user, null);
    setRemoving(null);
    if (failed) toast.error(`Could not remove the limit of ${user}: ${failed}`);
  }

  const overrides = Object.entries(limits?.users ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section id="limits" aria-labelledby="limits-title" className={`${card} scroll-mt-24 p-4`}>
      <h2 id="limits-title" className="text-sm font-medium text-slate-900">
        Connection limits
      </h2>
      <p className="text-xs text-slate-500">
        Per user, across all instances. Applies to the next connection everywhere; open ones stay.
      </p>

      <div className="mt-4 rounded-xl bg-slate-50 p-3">
        <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Default for everyone</p>
        {editingDefault && limits ? (
          <div className="mt-2">
            <LimitEditor
              value={limits.default}
              label="Default connection limit"
              clearLabel={limits.defaultSource === "runtime" ? `Reset to ${limits.configDefault}` : undefined}
              save={(limit) => setLimit(undefined, limit)}
              onDone={() => setEditingDefault(false)}
            />
          </div>
        ) : (
          <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className="text-2xl font-semibold tabular-nums text-slate-900" data-testid="limit-default">
              {limits ? formatCompact(limits.default) : "—"}
            </span>
            <span className="text-xs text-slate-500">
              {limits
                ? limits.defaultSource === "config"
                  ? "from MAX_CONNECTIONS_PER_USER"
                  : `set here; the configuration says ${limits.configDefault}`
                : ""}
            </span>
            <button
              type="button"
              className={`${button("secondary", "sm")} ml-auto`}
              onClick={() => setEditingDefault(true)}
              disabled={!limits}
            >
              <Pencil className="h-3.5 w-3.5" aria-hidden />
              Change
            </button>
          </div>
        )}
      </div>

      <h3 className="mt-4 text-xs font-medium uppercase tracking-wide text-slate-500">
        Users with their own limit
      </h3>
      {overrides.length === 0 ? (
        <p className="mt-1 text-sm text-slate-500">None: everyone follows the default.</p>
      ) : (
        <ul className="mt-1 divide-y divide-slate-100" data-testid="limit-overrides">
          {overrides.map(([user, limit]) => (
            <li key={user} className="flex items-center gap-3 py-1.5 text-sm">
              <span className="font-medium text-slate-900">{user}</span>
              <span className="tabular-nums text-slate-600">{formatCompact(limit)}</span>
              <button
                type="button"
                className={`${button("ghost", "xs")} ml-auto`}
                onClick={() => void removeOverride(user)}
                disabled={removing !== null}
                aria-label={`Remove the own limit of ${user}`}
              >
                {removing === user ? (
                  <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
                ) : (
                  <X className="h-4 w-4" aria-hidden />
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
      <AddOverride save={(user, limit) => setLimit(user, limit)} disabled={!limits} />
    </section>
  );
}

function AddOverride(props: {
  save(user: string, limit: number): Promise<string | null>;
  disabled: boolean;
}) {
  const [user, setUser] = useState("");
  const [limit, setLimit] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const name = user.trim().toLowerCase();
  const n = Number(limit);
  const valid =
    USER_NAME.test(name) && Number.isInteger(n) && n >= CONNECTION_LIMIT_MIN && n <= CONNECTION_LIMIT_MAX;

  return (
    <form
      className="mt-3 flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid || busy) return;
        setBusy(true);
        setError(null);
        void props.save(name, n).then((failed) => {
          setBusy(false);
          if (failed) setError(failed);
          else {
            setUser("");
            setLimit("");
          }
        });
      }}
    >
      <label className="flex-1 text-xs text-slate-600" htmlFor={`${id}-user`}>
        User
        <input
          id={`${id}-user`}
          value={user}
          onChange={(e) => setUser(e.target.value)}
          placeholder="user name"
          autoComplete="off"
          maxLength={32}
          className={`${fieldSm} mt-1 block w-full`}
        />
      </label>
      <label className="w-24 text-xs text-slate-600" htmlFor={`${id}-limit`}>
        Limit
        <input
          id={`${id}-limit`}
          type="number"
          inputMode="numeric"
          min={CONNECTION_LIMIT_MIN}
          max={CONNECTION_LIMIT_MAX}
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
          className={`${fieldSm} mt-1 block w-full tabular-nums`}
        />
      </label>
      <button type="submit" className={button("secondary", "sm")} disabled={!valid || busy || props.disabled}>
        {busy ? (
          <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
        ) : (
          <Plus className="h-4 w-4" aria-hidden />
        )}
        Set
      </button>
      <ErrorNote look="small" className="w-full">
        {error}
      </ErrorNote>
    </form>
  );
}
