"use client";

import { useState, useSyncExternalStore, type KeyboardEvent } from "react";
import { AdminPanel } from "./AdminPanel";
import { AuditTab } from "./AuditTab";

const TABS = [
  { id: "live", label: "Live system" },
  { id: "audit", label: "Audit" },
] as const;
type TabId = (typeof TABS)[number]["id"];

const noSubscription = () => () => {};

/**
 * The admin panel's tabs: the live system, and the audit log. The live tab stays mounted while the audit log is
 * open, so its feed keeps running; the audit log loads when first opened. `?tab=audit` opens it directly.
 */
export function AdminTabs() {
  // `?tab=audit` opens the audit log; read without Suspense (the server renders the live tab).
  const requested = useSyncExternalStore(
    noSubscription,
    () => (new URLSearchParams(window.location.search).get("tab") === "audit" ? "audit" : "live"),
    () => "live" as const,
  );
  const [chosen, setChosen] = useState<TabId | null>(null);
  const [opened, setOpened] = useState(false);
  const tab = chosen ?? requested;
  const auditOpened = opened || tab === "audit";

  function select(id: TabId) {
    setChosen(id);
    if (id === "audit") setOpened(true);
    const url = new URL(window.location.href);
    if (id === "audit") url.searchParams.set("tab", "audit");
    else url.searchParams.delete("tab");
    window.history.replaceState(null, "", url);
  }

  function onKey(e: KeyboardEvent) {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    e.preventDefault();
    const i = TABS.findIndex((t) => t.id === tab);
    const next = TABS[(i + (e.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length]!;
    select(next.id);
    document.getElementById(`admin-tab-${next.id}`)?.focus();
  }

  return (
    <div className="space-y-6">
      <div
        role="tablist"
        aria-label="Admin panel"
        className="flex gap-1 border-b border-slate-200"
        onKeyDown={onKey}
      >
        {TABS.map((t) => (
          <button
            key={t.id}
            id={`admin-tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            aria-controls={`admin-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => select(t.id)}
            className={`-mb-px border-b-2 px-4 py-2 text-sm font-medium ${
              tab === t.id
                ? "border-indigo-600 text-indigo-700"
                : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div id="admin-panel-live" role="tabpanel" aria-labelledby="admin-tab-live" hidden={tab !== "live"}>
        <AdminPanel />
      </div>
      <div id="admin-panel-audit" role="tabpanel" aria-labelledby="admin-tab-audit" hidden={tab !== "audit"}>
        {auditOpened ? <AuditTab /> : null}
      </div>
    </div>
  );
}
