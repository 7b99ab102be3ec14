"use client";

import { useRouter } from "next/navigation";
import { useSession } from "next-auth/react";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  type ReactNode,
} from "react";
import {
  backoffDelay,
  initialConnectionState,
  reduceConnection,
  type ConnectionState,
} from "@/lib/client/connection-state";
import { LatencySampler } from "@/lib/client/latency-sampler";
import { createBrowserSocket, renewTabClientId, type ClientSocket } from "@/lib/client/socket";
import { isErrorCode, isRetryable } from "@/lib/protocol/errors";
import type { ConnectErrorData } from "@/lib/protocol/handshake";
import type { SessionInfo, SystemNotice } from "@/lib/protocol";

interface SocketContextValue {
  socket: ClientSocket | null;
  state: ConnectionState;
  info: SessionInfo | null;
  lastNotice: SystemNotice | null;
  /** Measures delivery latency of stamped pushes and reports it to the server; see docs/METRICS.md. */
  latency: LatencySampler | null;
  /** Reconnects now, e.g. after the user closed another session to get under the limit. */
  reconnect(): void;
}

const SocketContext = createContext<SocketContextValue | null>(null);

export function useRealtime(): SocketContextValue {
  const value = useContext(SocketContext);
  if (!value) throw new Error("useRealtime must be used inside <SocketProvider>");
  return value;
}

/**
 * Owns the tab's one socket: created after sign-in, never at import time, and torn down with the provider.
 * Server-side refusals that the client library does not retry (draining) are retried here with jittered backoff.
 */
export function SocketProvider({ children }: { children: ReactNode }) {
  const { status: sessionStatus } = useSession();
  const router = useRouter();
  const [socket, setSocket] = useState<ClientSocket | null>(null);
  const [latency, setLatency] = useState<LatencySampler | null>(null);
  const [state, dispatch] = useReducer(reduceConnection, initialConnectionState);
  const [info, setInfo] = useState<SessionInfo | null>(null);
  const [lastNotice, setLastNotice] = useState<SystemNotice | null>(null);
  const retry = useRef<{ timer?: ReturnType<typeof setTimeout>; attempt: number }>({ attempt: 0 });

  useEffect(() => {
    if (sessionStatus !== "authenticated") return;
    const s = createBrowserSocket();
    let kickedByAdmin = false;
    const scheduleRetry = () => {
      clearTimeout(retry.current.timer);
      const delay = backoffDelay(retry.current.attempt++);
      retry.current.timer = setTimeout(() => {
        if (!s.connected) s.connect();
      }, delay);
    };
    const onConnect = () => {
      retry.current.attempt = 0;
      kickedByAdmin = false;
      dispatch({ type: "connect" });
      s.emit("session:info", {}, (res) => {
        if (res.ok) {
          const { ok: _ok, ...rest } = res;
          setInfo(rest);
        }
      });
    };
    const onDisconnect = (reason: string) => {
      setInfo(null);
      // The server closed us on purpose (draining, expiry): the client library will not retry by itself.
      const serverClosed = reason === "io server disconnect";
      dispatch({ type: "disconnect", reason, willReconnect: s.active || (serverClosed && !kickedByAdmin) });
      if (serverClosed && !kickedByAdmin) scheduleRetry();
    };
    const onConnectError = (err: Error & { data?: ConnectErrorData }) => {
      const code = err.message;
      const retryable = !isErrorCode(code) || isRetryable(code);
      const manualRetry = !s.active && retryable && code !== "CONNECTION_LIMIT";
      dispatch({ type: "connect_error", code, data: err.data, willReconnect: s.active || manualRetry });
      if (manualRetry) scheduleRetry();
      if (code === "UNAUTHORIZED") {
        const here = window.location.pathname + window.location.search;
        router.replace(`/signin?reason=expired&callbackUrl=${encodeURIComponent(here)}`);
      }
    };
    const onNotice = (notice: SystemNotice) => {
      // Closed on purpose by an admin or by the user from another tab: reconnecting would undo it.
      if (notice.kind === "disconnected-by-admin" || notice.kind === "session-closed") kickedByAdmin = true;
      // This tab is alive, so it was a duplicate sharing its original's id: take an id of its own, then
      // reconnect as a tab of its own.
      if (notice.kind === "replaced" && typeof s.auth === "object")
        s.auth = { ...s.auth, clientId: renewTabClientId() };
      setLastNotice(notice);
    };
    const onAttempt = (attempt: number) => dispatch({ type: "reconnect_attempt", attempt });
    // Browsers do not close open WebSockets when the device goes offline (Chromium's offline mode neither), so
    // the socket would look connected while nothing gets through. Close it, and open it again when back online.
    const onOffline = () => {
      s.disconnect();
      dispatch({ type: "browser_offline" });
    };
    const onOnline = () => {
      dispatch({ type: "browser_online" });
      retry.current.attempt = 0;
      if (!s.connected) s.connect();
    };

    s.on("connect", onConnect);
    s.on("disconnect", onDisconnect);
    s.on("connect_error", onConnectError);
    s.on("system:notice", onNotice);
    s.io.on("reconnect_attempt", onAttempt);
    window.addEventListener("offline", onOffline);
    window.addEventListener("online", onOnline);
    const sampler = new LatencySampler(s);
    sampler.start();
    s.connect();
    setSocket(s);
    setLatency(sampler);
    const timers = retry.current;
    return () => {
      sampler.stop();
      setLatency(null);
      clearTimeout(timers.timer);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      s.io.off("reconnect_attempt", onAttempt);
      s.removeAllListeners();
      s.disconnect();
      setSocket(null);
    };
  }, [sessionStatus, router]);

  const reconnect = useCallback(() => {
    if (!socket) return;
    retry.current.attempt = 0;
    socket.disconnect();
    socket.connect();
  }, [socket]);

  const value = useMemo(
    () => ({ socket, state, info, lastNotice, latency, reconnect }),
    [socket, state, info, lastNotice, latency, reconnect],
  );
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}
