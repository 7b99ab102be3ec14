"use client";

import { useEffect, useState } from "react";
import type { AdminSocket } from "@/lib/client/admin-socket";
import type { UsersPage } from "@/lib/protocol/admin";

export interface AdminUsers {
  page: UsersPage | null;
  /** The page shown is for another search or page than asked: an answer is on its way. */
  pending: boolean;
  error: string | null;
}

/**
 * The users table for a search and page: asked for once per (re)connect and per query, then pushed by the server
 * whenever that page changes (someone connected or left anywhere, a limit changed). No polling.
 */
export function useAdminUsers(
  admin: AdminSocket | null,
  live: boolean,
  search: string,
  page: number,
): AdminUsers {
  const [state, setState] = useState<{ page: UsersPage | null; error: string | null; for?: string }>({
    page: null,
    error: null,
  });
  const key = `${search}\n${page}`;

  useEffect(() => {
    if (!admin || !live) return;
    let current = true;
    // A push for the previous query can still be in flight after a new one was sent: keep only ours.
    const mine = (p: UsersPage) => p.search === search && (p.page === page || p.pages < page);
    const onPush = (p: UsersPage) => {
      if (current && mine(p)) setState({ page: p, error: null, for: key });
    };
    admin.on("admin:users", onPush);
    admin.timeout(15_000).emit("admin:users", { search, page }, (err, res) => {
      if (!current) return;
      if (err)
        setState((s) => ({
          ...s,
          error: "The users table did not answer; it retries when the panel reconnects.",
        }));
      else if (!res.ok) setState((s) => ({ ...s, error: res.error.message }));
      else {
        const { ok: _ok, ...p } = res;
        setState({ page: p, error: null, for: key });
      }
    });
    return () => {
      current = false;
      admin.off("admin:users", onPush);
    };
  }, [admin, live, search, page, key]);

  return { page: state.page, pending: state.for !== key, error: state.error };
}
