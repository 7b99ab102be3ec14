"use client";

import { Activity } from "lucide-react";
import { useEffect, useState } from "react";
import { useRealtime } from "./SocketProvider";
import { formatDateTime } from "@/lib/format";

/** Shows what this tab is connected to and a live round-trip time from `system:ping`. */
export function ConnectionCard() {
  const { socket, state, info } = useRealtime();
  const [rtt, setRtt] = useState<number | null>(null);
  const [transport, setTransport] = useState<string | null>(null);

  useEffect(() => {
    if (!socket || state.status !== "connected") return;
    const measure = () => {
      const t = performance.now();
      socket.timeout(5_000).emit("system:ping", { t }, (err, res) => {
        if (!err && res.ok) setRtt(Math.round(performance.now() - res.t));
      });
      setTransport(socket.io.engine?.transport.name ?? null);
    };
    measure();
    const timer = setInterval(measure, 5_000);
    return () => clearInterval(timer);
  }, [socket, state.status]);

  const rows: [string, string][] = [
    ["Status", state.status],
    ["Instance", info?.instanceId ?? "—"],
    ["Transport", state.status === "connected" ? (transport ?? "—") : "—"],
    ["Round trip", state.status === "connected" && rtt !== null ? `${rtt} ms` : "—"],
    ["Session ends", info ? formatDateTime(info.expiresAt) : "—"],
  ];
  return (
    <section
      className="rounded-2xl bg-white p-5 shadow-sm ring-1 ring-slate-200"
      aria-labelledby="conn-title"
    >
      <h2 id="conn-title" className="flex items-center gap-2 font-medium text-slate-900">
        <Activity className="h-4 w-4 text-indigo-600" aria-hidden /> Live connection
      </h2>
      <dl className="mt-3 grid grid-cols-[8rem_1fr] gap-y-1.5 text-sm">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-500">{k}</dt>
            <dd
              className="truncate font-medium text-slate-800"
              data-testid={`conn-${k.toLowerCase().replace(/\s+/g, "-")}`}
            >
              {v}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
