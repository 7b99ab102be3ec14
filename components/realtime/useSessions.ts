"use client";

import { useCallback, useEffect, useState } from "react";
import type { SessionsResponse } from "@/lib/protocol/sessions";

export type SessionsState =
  { status: "loading" } | { status: "error"; message: string } | { status: "ready"; data: SessionsResponse };

async function readError(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? `the server answered ${res.status}`;
  } catch {
    return `the server answered ${res.status}`;
  }
}

async function fetchSessions(signal: AbortSignal): Promise<SessionsState> {
  try {
    const res = await fetch("/api/sessions", { cache: "no-store", signal });
    if (!res.ok) throw new Error(await readError(res));
    return { status: "ready", data: (await res.json()) as SessionsResponse };
  } catch (err) {
    return { status: "error", message: `Could not load your sessions: ${(err as Error).message}` };
  }
}

/**
 * The signed-in user's sessions on every instance, over HTTP (a refused tab has no socket), refreshed every
 * `refreshMs` while mounted, so that a session closed elsewhere shows up without a click.
 */
export function useSessions(refreshMs = 5_000) {
  const [state, setState] = useState<SessionsState>({ status: "loading" });

  useEffect(() => {
    const controller = new AbortController();
    const load = () =>
      void fetchSessions(controller.signal).then((next) => {
        if (!controller.signal.aborted) setState(next);
      });
    load();
    const timer = setInterval(load, refreshMs);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [refreshMs]);

  /** Closes one session wherever it runs. A session that is already gone counts as closed. */
  const close = useCallback(async (connectionId: string): Promise<void> => {
    const res = await fetch(`/api/sessions/${encodeURIComponent(connectionId)}`, { method: "DELETE" });
    if (!res.ok && res.status !== 404) throw new Error(await readError(res));
  }, []);

  return { state, close };
}
