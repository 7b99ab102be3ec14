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
import { ConnectionKeeper } from "@/lib/client/connection-keeper";
import {
  initialConnectionState,
  reduceConnection,
  type ConnectionState,
} from "@/lib/client/connection-state";
import { LatencySampler } from "@/lib/client/latency-sampler";
import { createBrowserSocket, renewTabClientId, type ClientSocket } from "@/lib/client/socket";
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
 * Owns the tab's one socket: created after sign-in, never at import time, and torn down with the provider. What
 * to retry, and when, is `ConnectionKeeper`'s.
 */
export function SocketProvider({ children }: { children: ReactNode }) {
  const { status: sessionStatus } = useSession();
  const router = useRouter();
  const [socket, setSocket] = useState<ClientSocket | null>(null);
  const [latency, setLatency] = useState<LatencySampler | null>(null);
  const [state, dispatch] = useReducer(reduceConnection, initialConnectionState);
  const [info, setInfo] = useState<SessionInfo | null>(null);
  const [lastNotice, setLastNotice] = useState<SystemNotice | null>(null);
  const keeperRef = useRef<ConnectionKeeper | null>(null);

  useEffect(() => {
    if (sessionStatus !== "authenticated") return;
    const s = createBrowserSocket();
    const keeper = new ConnectionKeeper({
      socket: s,
      network: window,
      renewClientId: renewTabClientId,
      listener: {
        event: dispatch,
        info: setInfo,
        notice: setLastNotice,
        unauthorized: () => {
          const here = window.location.pathname + window.location.search;
          router.replace(`/signin?reason=expired&callbackUrl=${encodeURIComponent(here)}`);
        },
      },
    });
    const sampler = new LatencySampler(s);
    sampler.start();
    keeper.start();
    // The socket and the sampler are made by this effect and live as long as it: publishing them is its purpose.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSocket(s);
    setLatency(sampler);
    keeperRef.current = keeper;
    return () => {
      sampler.stop();
      setLatency(null);
      keeper.stop();
      s.removeAllListeners();
      setSocket(null);
      keeperRef.current = null;
    };
  }, [sessionStatus, router]);

  const reconnect = useCallback(() => keeperRef.current?.reconnect(), []);

  const value = useMemo(
    () => ({ socket, state, info, lastNotice, latency, reconnect }),
    [socket, state, info, lastNotice, latency, reconnect],
  );
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}
