"use client";

import { Megaphone } from "lucide-react";
import { useEffect } from "react";
import { toast } from "sonner";
import type { SystemNotice } from "@/lib/protocol";
import { useRealtime } from "../realtime/SocketProvider";

/**
 * Toasts the server notices that are meant for people rather than for the connection logic: an admin's
 * announcement (also kept in the user's notification feed), and an admin closing this user's connections, which
 * leaves the tab offline until they choose to reconnect.
 */
export function NoticeToasts() {
  const { socket, reconnect } = useRealtime();

  useEffect(() => {
    if (!socket) return;
    const onNotice = (notice: SystemNotice) => {
      if (notice.kind === "announcement") {
        // Keyed by its time: every tab of a user may get it, and a repeat must not stack.
        toast("Announcement", {
          id: `announcement-${notice.at}`,
          description: notice.message,
          icon: <Megaphone className="h-4 w-4 text-indigo-600" aria-hidden />,
          duration: 20_000,
        });
      } else if (notice.kind === "disconnected-by-admin") {
        toast.warning(notice.message, {
          id: "disconnected-by-admin",
          duration: Infinity,
          action: { label: "Reconnect", onClick: reconnect },
        });
      }
    };
    socket.on("system:notice", onNotice);
    return () => {
      socket.off("system:notice", onNotice);
    };
  }, [socket, reconnect]);

  return null;
}
