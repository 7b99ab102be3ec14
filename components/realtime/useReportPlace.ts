"use client";

import { usePathname } from "next/navigation";
import { useEffect } from "react";
import { browserId } from "./browser-id";
import { useRealtime } from "./SocketProvider";

/** How often the tab looks whether its title changed (a board's title arrives after its path). */
const CHECK_MS = 2_000;

/** The page's own title, without the app's name after it. */
const pageTitle = () => document.title.replace(/\s*·\s*Pulseboard$/, "").slice(0, 160);

/**
 * Tells the server which page this tab has open (`session:place`), whenever it connects and whenever the page or
 * its title changes, so that the user's sessions list (on the connection-limit screen) can tell the tabs apart.
 */
export function useReportPlace(): void {
  const { socket, state } = useRealtime();
  const pathname = usePathname();
  const connected = state.status === "connected";

  useEffect(() => {
    if (!socket || !connected) return;
    let sent = "";
    const report = () => {
      const place = { path: pathname.slice(0, 300), title: pageTitle(), browserId: browserId() };
      const key = `${place.path}\n${place.title}`;
      if (key === sent || !socket.connected) return;
      sent = key;
      socket.timeout(10_000).emit("session:place", place, () => {
        // Best effort: the list shows the session without its page until the next report.
      });
    };
    report();
    const timer = setInterval(report, CHECK_MS);
    return () => clearInterval(timer);
  }, [socket, connected, pathname]);
}
