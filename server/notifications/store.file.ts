import { join } from "node:path";
import type { NotificationItem } from "@/lib/protocol/notifications";
import { JsonDoc } from "../storage/json-doc";
import { FEED_LENGTH, type NotificationStore } from "./store";
import { own, withOwn } from "@/lib/util/own";

type FeedsDoc = { feeds: Record<string, NotificationItem[]> };

const unreadOf = (items: NotificationItem[]) => items.filter((i) => !i.read).length;

/** Embedded mode: every user's feed in `notifications.json` under the data folder. */
export class FileNotificationStore implements NotificationStore {
  private readonly doc: JsonDoc<FeedsDoc>;

  constructor(dataDir: string) {
    this.doc = new JsonDoc(join(dataDir, "notifications.json"), () => ({ feeds: {} }));
  }

  add(user: string, item: Omit<NotificationItem, "read">): Promise<{ unread: number }> {
    return this.doc.update((doc) => {
      const feed = [{ ...item, read: false }, ...(own(doc.feeds, user) ?? [])].slice(0, FEED_LENGTH);
      doc.feeds = withOwn(doc.feeds, user, feed);
      return { unread: unreadOf(feed) };
    });
  }

  async list(user: string, limit: number): Promise<{ items: NotificationItem[]; unread: number }> {
    const feed = own((await this.doc.read()).feeds, user) ?? [];
    return { items: feed.slice(0, limit).map((i) => ({ ...i })), unread: unreadOf(feed) };
  }

  markRead(user: string, ids?: string[]): Promise<{ unread: number }> {
    return this.doc.update((doc) => {
      const wanted = ids ? new Set(ids) : undefined;
      const feed = (own(doc.feeds, user) ?? []).map((i) =>
        !wanted || wanted.has(i.id) ? { ...i, read: true } : i,
      );
      doc.feeds = withOwn(doc.feeds, user, feed);
      return { unread: unreadOf(feed) };
    });
  }
}
