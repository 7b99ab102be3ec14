"use client";

import { AtSign, Bell, CheckCheck, CircleCheck, Download, Loader2, Megaphone, Share2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useId, useState, type CSSProperties } from "react";
import { toast } from "sonner";
import type { NotificationItem, NotificationKind } from "@/lib/protocol/notifications";
import { markdownToPlainText } from "@/lib/client/markdown";
import { formatWhen } from "@/lib/format";
import { usePopover } from "@/components/ui/usePopover";
import { useRealtime } from "../realtime/SocketProvider";

const ICON: Record<NotificationKind, typeof Bell> = {
  share: Share2,
  mention: AtSign,
  task: CircleCheck,
  announcement: Megaphone,
};

/** A notification's link that is a file to download (an export), rather than a page to open. */
const isDownload = (link: string | undefined): boolean => /^\/api\/tasks\/[^/]+\/download\?/.test(link ?? "");

/** What a notification says under its title: a mention quotes a note, shown as the text a reader sees. */
const bodyText = (item: NotificationItem) =>
  item.kind === "mention" ? markdownToPlainText(item.body) : item.body;

/** Downloads a file the way a link with `download` does, without leaving the page. */
function download(path: string) {
  const a = document.createElement("a");
  a.href = path;
  a.download = "";
  document.body.append(a);
  a.click();
  a.remove();
}

/** The bell in the header: unread count, the feed in a dropdown, a toast for each new notification. */
export function NotificationBell() {
  const { socket, state } = useRealtime();
  const router = useRouter();
  const { open, setOpen, ref } = usePopover();
  // On a phone the panel spans the screen just below the bell (which is not at the screen's right edge).
  const [panelTop, setPanelTop] = useState(64);
  const panelId = useId();
  const [items, setItems] = useState<NotificationItem[] | null>(null);
  const [unread, setUnread] = useState(0);
  const [loading, setLoading] = useState(false);
  const connected = state.status === "connected";

  const load = useCallback(async () => {
    if (!socket?.connected) return;
    setLoading(true);
    try {
      const res = await socket.timeout(10_000).emitWithAck("notify:list", { limit: 50 });
      if (res.ok) {
        setItems(res.items);
        setUnread(res.unread);
      }
    } catch {
      // Shown as stale; the next connect or opening the feed loads it again.
    } finally {
      setLoading(false);
    }
  }, [socket]);

  const markRead = useCallback(
    async (ids?: string[]) => {
      if (!socket?.connected) return;
      setItems((list) => list?.map((i) => (!ids || ids.includes(i.id) ? { ...i, read: true } : i)) ?? null);
      try {
        const res = await socket.timeout(10_000).emitWithAck("notify:read", ids ? { ids } : {});
        if (res.ok) setUnread(res.unread);
      } catch {
        // The count is corrected by the next notify:unread or list.
      }
    },
    [socket],
  );

  const openItem = useCallback(
    (item: NotificationItem) => {
      if (!item.read) void markRead([item.id]);
      setOpen(false);
      if (item.link && isDownload(item.link)) download(item.link);
      else if (item.link?.startsWith("/")) router.push(item.link);
    },
    [markRead, router, setOpen],
  );

  useEffect(() => {
    if (!socket || !connected) return;
    const timer = setTimeout(() => void load(), 0);
    const onNew = ({ item, unread: count }: { item: NotificationItem; unread: number }) => {
      setUnread(count);
      setItems((list) => (list ? [item, ...list.filter((i) => i.id !== item.id)] : list));
      // Announcements already arrive as a live notice, toasted by the shell; the feed keeps them for later.
      if (item.kind === "announcement") return;
      toast(item.title, {
        description: bodyText(item) || undefined,
        action: item.link
          ? { label: isDownload(item.link) ? "Download" : "Open", onClick: () => openItem(item) }
          : undefined,
      });
    };
    const onUnread = ({ unread: count }: { unread: number }) => setUnread(count);
    socket.on("notify:new", onNew);
    socket.on("notify:unread", onUnread);
    return () => {
      clearTimeout(timer);
      socket.off("notify:new", onNew);
      socket.off("notify:unread", onUnread);
    };
  }, [socket, connected, load, openItem]);

  const label = unread > 0 ? `Notifications, ${unread} unread` : "Notifications";
  return (
    <div className="relative" ref={ref}>
      <button
        type="button"
        aria-label={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={(e) => {
          if (!open) {
            void load();
            setPanelTop(Math.round(e.currentTarget.getBoundingClientRect().bottom + 8));
          }
          setOpen(!open);
        }}
        data-testid="notification-bell"
        className="relative inline-flex h-9 w-9 items-center justify-center rounded-full text-slate-600 ring-1 ring-slate-200 hover:bg-slate-50 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-500"
      >
        <Bell className="h-4 w-4" aria-hidden />
        {unread > 0 ? (
          <span
            data-testid="notification-unread"
            className="absolute -top-1 -right-1 min-w-[1.125rem] rounded-full bg-rose-600 px-1 text-center text-[10px] leading-[1.125rem] font-semibold text-white ring-2 ring-white"
          >
            {unread > 99 ? "99+" : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <div
          id={panelId}
          role="dialog"
          aria-label="Notifications"
          data-testid="notification-panel"
          style={{ "--panel-top": `${panelTop}px` } as CSSProperties}
          className="fixed inset-x-2 top-[var(--panel-top)] z-50 overflow-hidden rounded-xl bg-white shadow-lg ring-1 ring-slate-200 sm:absolute sm:inset-x-auto sm:top-auto sm:right-0 sm:mt-2 sm:w-[22rem]"
        >
          <div className="flex items-center justify-between border-b border-slate-100 px-3 py-2">
            <p className="text-sm font-semibold text-slate-900">Notifications</p>
            <button
              type="button"
              onClick={() => void markRead()}
              disabled={unread === 0}
              className="inline-flex items-center gap-1 rounded-md px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50 disabled:text-slate-400 disabled:hover:bg-transparent"
            >
              <CheckCheck className="h-3.5 w-3.5" aria-hidden /> Mark all read
            </button>
          </div>
          {items === null ? (
            <p className="flex items-center gap-2 px-3 py-6 text-sm text-slate-500" role="status">
              {loading ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : null}
              {connected ? "Loading…" : "Connect to see your notifications."}
            </p>
          ) : items.length === 0 ? (
            <p className="px-3 py-6 text-center text-sm text-slate-500">
              Nothing yet. Shares and @mentions show up here.
            </p>
          ) : (
            <ul
              className="divide-y divide-slate-100 overflow-auto"
              // Below the bell to the bottom of the screen at most, so the last item can always be reached.
              style={{ maxHeight: `min(24rem, calc(100dvh - ${panelTop}px - 4rem))` }}
              data-testid="notification-list"
            >
              {items.map((item) => {
                const Icon = ICON[item.kind] ?? Bell;
                return (
                  <li key={item.id}>
                    <button
                      type="button"
                      onClick={() => openItem(item)}
                      className={`flex w-full gap-3 px-3 py-2.5 text-left hover:bg-slate-50 focus:bg-slate-50 focus:outline-none ${item.read ? "" : "bg-indigo-50/50"}`}
                    >
                      <Icon className="mt-0.5 h-4 w-4 shrink-0 text-indigo-600" aria-hidden />
                      <span className="min-w-0 flex-1">
                        <span
                          className={`block text-sm break-words [overflow-wrap:anywhere] ${item.read ? "text-slate-700" : "font-medium text-slate-900"}`}
                        >
                          {item.title}
                        </span>
                        {item.body ? (
                          <span className="line-clamp-2 text-xs break-words text-slate-500 [overflow-wrap:anywhere]">
                            {bodyText(item)}
                          </span>
                        ) : null}
                        {isDownload(item.link) ? (
                          <span className="mt-0.5 inline-flex items-center gap-1 text-xs font-medium text-indigo-700">
                            <Download className="h-3.5 w-3.5" aria-hidden /> Download
                          </span>
                        ) : null}
                        <span className="block text-[11px] text-slate-500">{formatWhen(item.at)}</span>
                      </span>
                      {!item.read ? (
                        <span
                          className="mt-1.5 h-2 w-2 shrink-0 rounded-full bg-indigo-600"
                          aria-label="unread"
                        />
                      ) : null}
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}
