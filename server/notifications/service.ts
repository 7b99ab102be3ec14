import { randomUUID } from "node:crypto";
import type { NotificationItem, NotificationKind } from "@/lib/protocol/notifications";
import type { Logger } from "../logging/logger";
import type { Broadcaster } from "../realtime/broadcaster";
import { userRoom } from "../realtime/types";
import type { NotificationStore } from "./store";

export interface NewNotification {
  kind: NotificationKind;
  title: string;
  body: string;
  by?: string;
  link?: string;
}

/** Persists a notification in the user's feed, then pushes it to every socket of that user on every instance. */
export class NotificationService {
  constructor(
    private readonly store: NotificationStore,
    private readonly io: Broadcaster,
    private readonly logger: Logger,
  ) {}

  async notify(user: string, input: NewNotification): Promise<NotificationItem> {
    const item: NotificationItem = {
      id: randomUUID().replace(/-/g, ""),
      at: Date.now(),
      read: false,
      ...input,
    };
    const { unread } = await this.store.add(user, item);
    this.io.to(userRoom(user)).emit("notify:new", { item, unread });
    return item;
  }

  /** For side effects of other actions (a share, a mention): a failure is logged, never fails the action. */
  notifyQuietly(user: string, input: NewNotification): void {
    this.notify(user, input).catch((err: unknown) =>
      this.logger.warn({ err, user, kind: input.kind }, "notification failed"),
    );
  }

  list(user: string, limit: number) {
    return this.store.list(user, limit);
  }

  async markRead(user: string, ids?: string[]) {
    const result = await this.store.markRead(user, ids);
    this.io.to(userRoom(user)).emit("notify:unread", result);
    return result;
  }
}
