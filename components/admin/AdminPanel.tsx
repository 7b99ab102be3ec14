"use client";

import { useSession } from "next-auth/react";
import { useEffect, useState } from "react";
import { AnnouncementCard } from "./AnnouncementCard";
import { KpiTiles } from "./KpiTiles";
import { InstancesTable } from "./InstancesTable";
import { LimitsCard } from "./LimitsCard";
import { LiveChart, type ChartSeries } from "./LiveChart";
import { QueueCard } from "./QueueCard";
import { RejectionsCard } from "./RejectionsCard";
import { FeedStatusPill } from "./FeedStatusPill";
import { formatCompact, formatMs, formatRate } from "@/lib/format";
import { UsersSection } from "./UsersSection";
import { useAdminFeed } from "./useAdminFeed";
import { useAdminQueue } from "./useAdminQueue";
import { useAdminUsers } from "./useAdminUsers";

// Drawn in order: the total last, so that it stays visible where it equals the WebSocket line.
const CONNECTIONS: ChartSeries[] = [
  { key: "websocket", label: "WebSocket", color: "#0ea5e9" },
  { key: "polling", label: "Polling", color: "#f59e0b" },
  { key: "connections", label: "Total", color: "#4f46e5" },
];
const MESSAGES: ChartSeries[] = [
  { key: "eventsIn", label: "In", color: "#059669" },
  { key: "eventsOut", label: "Out", color: "#4f46e5" },
];
const LATENCY: ChartSeries[] = [
  { key: "deliveryP50", label: "p50", color: "#059669" },
  { key: "deliveryP95", label: "p95", color: "#f59e0b" },
  { key: "deliveryP99", label: "p99", color: "#e11d48" },
  { key: "rttP50", label: "RTT p50", color: "#64748b", dash: [4, 4] },
];
const ERRORS: ChartSeries[] = [
  { key: "errorsWebsocket", label: "WebSocket", color: "#e11d48" },
  { key: "errorsPolling", label: "Polling", color: "#f59e0b" },
  { key: "rejections", label: "Refused", color: "#64748b", dash: [4, 4] },
];

const RANGES = [
  { seconds: 60, label: "1 min" },
  { seconds: 300, label: "5 min" },
  { seconds: 900, label: "15 min" },
];

const count = (v: number | null) => formatCompact(v);
const rate = (v: number | null) => formatRate(v);
const ms = (v: number | null) => formatMs(v);

const SECTIONS = [
  { href: "#charts", label: "Overview" },
  { href: "#instances", label: "Instances" },
  { href: "#users", label: "Users" },
  { href: "#announce", label: "Announce" },
  { href: "#limits", label: "Limits" },
  { href: "#tasks", label: "Tasks" },
];

/**
 * The live admin panel: key figures, charts, instances, users, actions and the task queue, all pushed over
 * `/admin`; nothing polls from here.
 */
export function AdminPanel() {
  const feed = useAdminFeed();
  const { data: session } = useSession();
  const [range, setRange] = useState(300);
  const { view, points, windowSeconds, admin } = feed;
  const live = feed.status === "live";

  const [searchText, setSearchText] = useState("");
  const [query, setQuery] = useState({ search: "", page: 1 });
  // The query follows the search box after a pause, so typing does not send a request per key.
  useEffect(() => {
    const search = searchText.trim();
    const timer = setTimeout(() => setQuery((q) => (q.search === search ? q : { search, page: 1 })), 250);
    return () => clearTimeout(timer);
  }, [searchText]);
  const users = useAdminUsers(admin, live, query.search, query.page);
  const queue = useAdminQueue(admin, live);
  const now = view?.at ?? 0;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold text-slate-900">Live system</h1>
          <p className="mt-1 text-sm text-slate-600">
            Every instance reports once a second; figures are for the whole cluster.
          </p>
        </div>
        <FeedStatusPill status={feed.status} detail={feed.detail} />
      </div>

      {view?.redis === "down" ? (
        <p
          role="alert"
          className="rounded-xl bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200"
        >
          Redis is unreachable from this instance. Other instances cannot report here until it is back, so
          they show as gone; the figures below cover this instance only.
        </p>
      ) : null}

      <nav aria-label="Sections of this page" className="-mt-2 flex gap-1 overflow-x-auto text-sm">
        {SECTIONS.map((sct) => (
          <a
            key={sct.href}
            href={sct.href}
            className="whitespace-nowrap rounded-full px-3 py-1 text-slate-600 ring-1 ring-slate-200 hover:bg-white hover:text-slate-900"
          >
            {sct.label}
          </a>
        ))}
      </nav>

      <KpiTiles view={view} />

      <section id="charts" aria-labelledby="charts-title" className="scroll-mt-24 space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id="charts-title" className="text-sm font-medium text-slate-900">
            Last {RANGES.find((r) => r.seconds === range)?.label}
          </h2>
          <div role="radiogroup" aria-label="Time range" className="flex gap-1 rounded-lg bg-slate-100 p-0.5">
            {RANGES.map((r) => (
              <button
                key={r.seconds}
                type="button"
                role="radio"
                aria-checked={range === r.seconds}
                onClick={() => setRange(r.seconds)}
                className={`rounded-md px-2.5 py-1 text-xs font-medium ${
                  range === r.seconds
                    ? "bg-white text-slate-900 shadow-sm"
                    : "text-slate-600 hover:text-slate-900"
                }`}
              >
                {r.label}
              </button>
            ))}
          </div>
        </div>
        <div className="grid gap-4 lg:grid-cols-2">
          <LiveChart
            id="connections"
            title="Connections"
            note="by current transport"
            points={points}
            series={CONNECTIONS}
            rangeSeconds={range}
            format={count}
            emptyText="Waiting for the first second of data…"
          />
          <LiveChart
            id="messages"
            title="Messages per second"
            note="Socket.IO events from and to clients"
            points={points}
            series={MESSAGES}
            rangeSeconds={range}
            format={rate}
            emptyText="Waiting for the first second of data…"
          />
          <LiveChart
            id="latency"
            title="Delivery latency"
            note={`server commit → client receipt, sampled, over ${windowSeconds} s windows`}
            points={points}
            series={LATENCY}
            rangeSeconds={range}
            format={ms}
            emptyText="No samples yet: clients report every 5 seconds."
          />
          <LiveChart
            id="errors"
            title="Errors per second"
            note="error acks and failed connections, by transport"
            points={points}
            series={ERRORS}
            rangeSeconds={range}
            format={rate}
            emptyText="Waiting for the first second of data…"
          />
        </div>
      </section>

      <InstancesTable rows={view?.instances ?? []} now={now} />
      <RejectionsCard byReason={view?.rejectionsByReason ?? {}} />

      <UsersSection
        admin={admin}
        page={users.page}
        pending={users.pending}
        error={users.error}
        searchText={searchText}
        onSearchText={setSearchText}
        onPage={(page) => setQuery((q) => ({ ...q, page }))}
        now={now}
        me={session?.user.name ?? undefined}
      />

      <div className="grid gap-4 lg:grid-cols-2">
        <AnnouncementCard admin={admin} live={live} />
        <LimitsCard admin={admin} limits={users.page?.limits ?? null} />
      </div>

      <QueueCard admin={admin} stats={queue.stats} error={queue.error} now={now} />
    </div>
  );
}
