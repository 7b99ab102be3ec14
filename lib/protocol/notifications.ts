import { z } from "zod";
import { clientEvent } from "./define";
import { idSchema } from "./boards";

export type NotificationKind = "share" | "mention" | "task" | "announcement";

export interface NotificationItem {
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  /** Epoch ms. */
  at: number;
  read: boolean;
  by?: string;
  /** An in-app path to open, e.g. `/boards/abc`. */
  link?: string;
}

export const notificationClientEvents = {
  "notify:list": clientEvent<{ items: NotificationItem[]; unread: number }>()(
    z
      .strictObject({ limit: z.number().int().min(1).max(200).default(50) })
      .optional()
      .default({ limit: 50 }),
  ),
  "notify:read": clientEvent<{ unread: number }>()(
    z
      .strictObject({ ids: z.array(idSchema).max(200).optional() })
      .optional()
      .default({}),
  ),
};

export interface NotificationServerEvents {
  "notify:new": (msg: { item: NotificationItem; unread: number }) => void;
  "notify:unread": (msg: { unread: number }) => void;
}
