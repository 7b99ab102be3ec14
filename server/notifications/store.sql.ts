import type { Kysely, Selectable } from "kysely";
import type { NotificationItem, NotificationKind } from "@/lib/protocol/notifications";
import type { SqlDatabase } from "../db/open";
import type { Database, NotificationsTable } from "../db/schema";
import { writeTransaction } from "../db/transaction";
import { FEED_LENGTH, type NotificationStore } from "./store";

const toItem = (row: Selectable<NotificationsTable>): NotificationItem => ({
  id: row.id,
  kind: row.kind as NotificationKind,
  title: row.title,
  body: row.body,
  at: row.at,
  read: row.read !== 0,
  ...(row.by_user === null ? {} : { by: row.by_user }),
  ...(row.link === null ? {} : { link: row.link }),
});

/** Each user's feed as rows in the SQL system of record, newest first by insertion, trimmed to `FEED_LENGTH`. */
export class SqlNotificationStore implements NotificationStore {
  constructor(private readonly database: SqlDatabase) {}

  private async unread(db: Kysely<Database>, user: string): Promise<number> {
    const { n } = await db
      .selectFrom("notifications")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("user_name", "=", user)
      .where("read", "=", 0)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  add(user: string, item: Omit<NotificationItem, "read">): Promise<{ unread: number }> {
    return writeTransaction(this.database, async (tx) => {
      await tx
        .insertInto("notifications")
        .values({
          user_name: user,
          id: item.id,
          kind: item.kind,
          title: item.title,
          body: item.body,
          by_user: item.by ?? null,
          link: item.link ?? null,
          at: item.at,
          read: 0,
        })
        .execute();
      // The feed forgets its oldest items, read or not, so the unread count never counts what it forgot.
      const oldestForgotten = await tx
        .selectFrom("notifications")
        .select("seq")
        .where("user_name", "=", user)
        .orderBy("seq", "desc")
        .limit(1)
        .offset(FEED_LENGTH)
        .executeTakeFirst();
      if (oldestForgotten)
        await tx
          .deleteFrom("notifications")
          .where("user_name", "=", user)
          .where("seq", "<=", oldestForgotten.seq)
          .execute();
      return { unread: await this.unread(tx, user) };
    });
  }

  async list(user: string, limit: number): Promise<{ items: NotificationItem[]; unread: number }> {
    const { db } = this.database;
    const rows = await db
      .selectFrom("notifications")
      .selectAll()
      .where("user_name", "=", user)
      .orderBy("seq", "desc")
      .limit(Math.max(0, Math.min(limit, FEED_LENGTH)))
      .execute();
    return { items: rows.map(toItem), unread: await this.unread(db, user) };
  }

  async markRead(user: string, ids?: string[]): Promise<{ unread: number }> {
    const { db } = this.database;
    if (ids === undefined || ids.length > 0) {
      let update = db.updateTable("notifications").set({ read: 1 }).where("user_name", "=", user);
      if (ids) update = update.where("id", "in", ids);
      await update.execute();
    }
    return { unread: await this.unread(db, user) };
  }
}
