"use client";

import { useEffect, useState } from "react";
import type { AdminSocket } from "@/lib/client/admin-socket";
import type { QueueStats } from "@/lib/protocol/admin";

/** Task queue counts and recent failures: asked for once per (re)connect, then pushed when they change. */
export function useAdminQueue(
  admin: AdminSocket | null,
  live: boolean,
): { stats: QueueStats | null; error: string | null } {
  const [state, setState] = useState<{ stats: QueueStats | null; error: string | null }>({
    stats: null,
    error: null,
  });

  useEffect(() => {
    if (!admin || !live) return;
    let current = true;
    // Pushes and the answer may cross: the newest reading wins.
    const take = (stats: QueueStats) => {
      if (current) setState((s) => (s.stats && s.stats.at > stats.at ? s : { stats, error: null }));
    };
    admin.on("admin:queue", take);
    admin.timeout(15_000).emit("admin:queue", {}, (err, res) => {
      if (!current) return;
      if (err)
        setState((s) => ({ ...s, error: "The queue did not answer; it retries when the panel reconnects." }));
      else if (!res.ok) setState((s) => ({ ...s, error: res.error.message }));
      else {
        const { ok: _ok, ...stats } = res;
        take(stats);
      }
    });
    return () => {
      current = false;
      admin.off("admin:queue", take);
    };
  }, [admin, live]);

  return state;
}
