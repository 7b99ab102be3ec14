import type { NotificationItem } from "@/lib/protocol/notifications";

export const FEED_LENGTH = 200;

/** Each user's notification feed, newest first, bounded to `FEED_LENGTH`. Passes `store.contract.test.ts`. */
export interface NotificationStore {
  add(user: string, item: Omit<NotificationItem, "read">): Promise<{ unread: number }>;
  list(user: string, limit: number): Promise<{ items: NotificationItem[]; unread: number }>;
  /** Marks the given items, or all of them, as read. */
  markRead(user: string, ids?: string[]): Promise<{ unread: number }>;
}
