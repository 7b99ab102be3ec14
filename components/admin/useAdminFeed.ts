"use client";

import { useEffect, useMemo, useState } from "react";
import { adminSocketOn, appendPoint, mergeHistory, type AdminSocket } from "@/lib/client/admin-socket";
import { backoffDelay } from "@/lib/client/connection-state";
import type { AdminView, ClusterPoint } from "@/lib/protocol/admin";
import { isErrorCode, isRetryable } from "@/lib/protocol/errors";
import { useRealtime } from "../realtime/SocketProvider";

export type FeedStatus = "connecting" | "live" | "reconnecting" | "refused";

export interface AdminFeed {
  status: FeedStatus;
  /** Why the feed is not live, in words. */
  detail?: string;
  view: AdminView | null;
  points: ClusterPoint[];
  historySeconds: number;
  windowSeconds: number;
  /** The `/admin` socket, for the sections that ask for more (users, queue) and the actions; null before. */
  admin: AdminSocket | null;
}

const DEFAULT_HISTORY = 900;

/**
 * The live cluster view: history once per (re)connect, then `admin:update` pushes. Every admin push carries the
 * server's `at`, so the tab's latency sampler measures the feed's own delivery too.
 */
export function useAdminFeed(): AdminFeed {
  const { socket, latency } = useRealtime();
  // The manager keeps one socket per namespace, so this is the same object for the life of the tab's socket.
  const admin = useMemo<AdminSocket | null>(() => (socket ? adminSocketOn(socket) : null), [socket]);
  const [feed, setFeed] = useState<Omit<AdminFeed, "admin">>({
    status: "connecting",
    view: null,
    points: [],
    historySeconds: DEFAULT_HISTORY,
    windowSeconds: 10,
  });

  useEffect(() => {
    if (!admin) return;
    const unwatch = latency?.watch(admin);
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    const retry = () => {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => {
        if (!admin.connected) admin.connect();
      }, backoffDelay(attempt++));
    };

    const onConnect = () => {
      attempt = 0;
      setFeed((f) => ({ ...f, status: "live", detail: undefined }));
      admin.timeout(10_000).emit("admin:history", {}, (err, res) => {
        if (err || !res.ok) return;
        const { ok: _ok, points, historySeconds, windowSeconds, ...view } = res;
        setFeed((f) => ({
          ...f,
          view,
          historySeconds,
          windowSeconds,
          points: mergeHistory(points, f.points, historySeconds),
        }));
      });
    };
    const onUpdate: Parameters<typeof admin.on<"admin:update">>[1] = ({ appended, ...view }) => {
      setFeed((f) => ({
        ...f,
        view,
        points: appended ? appendPoint(f.points, appended, f.historySeconds) : f.points,
      }));
    };
    const onDisconnect = (reason: string) => {
      setFeed((f) => ({ ...f, status: "reconnecting", detail: reason }));
      // The server closed the namespace on purpose (draining): the client library will not retry by itself.
      if (reason === "io server disconnect") retry();
    };
    const onConnectError = (err: Error & { data?: { message?: string } }) => {
      const code = err.message;
      const retryable = !isErrorCode(code) || isRetryable(code);
      setFeed((f) => ({
        ...f,
        status: retryable ? "reconnecting" : "refused",
        detail: err.data?.message ?? code,
      }));
      if (retryable && !admin.active) retry();
    };

    admin.on("connect", onConnect);
    admin.on("admin:update", onUpdate);
    admin.on("disconnect", onDisconnect);
    admin.on("connect_error", onConnectError);
    admin.connect();
    return () => {
      clearTimeout(retryTimer);
      unwatch?.();
      admin.off("connect", onConnect);
      admin.off("admin:update", onUpdate);
      admin.off("disconnect", onDisconnect);
      admin.off("connect_error", onConnectError);
      admin.disconnect();
    };
  }, [admin, latency]);

  return { ...feed, admin };
}
