import type { AnnounceOutcome } from "@/lib/protocol/admin";
import type { UserStore } from "../auth/user-store";
import type { Logger } from "../logging/logger";
import { serverStamp } from "../metrics/clock";
import type { NotificationService } from "../notifications/service";
import type { AppServer } from "../realtime/types";

export interface AnnouncerDeps {
  io: AppServer;
  users: Pick<UserStore, "list">;
  notifications: Pick<NotificationService, "notify">;
  logger: Logger;
  /** Feeds written at once; bounded so that thousands of users do not flood Redis in one burst. */
  concurrency?: number;
}

/**
 * An announcement reaches everyone: a `system:notice` of kind `announcement` to every connected socket on every
 * instance (shown as a toast at once), and an item in every known user's notification feed, so that users who are
 * offline find it when they come back. "Every user" is every user in the user store.
 */
export class Announcer {
  constructor(private readonly deps: AnnouncerDeps) {}

  async announce(message: string, by: string): Promise<AnnounceOutcome> {
    const { io, users, notifications, logger } = this.deps;
    // Read first: when the store is down the action fails before anyone is told anything.
    const recipients = await users.list();
    const at = serverStamp();
    io.emit("system:notice", { kind: "announcement", message, at });

    let failed = 0;
    let next = 0;
    const worker = async () => {
      while (next < recipients.length) {
        const user = recipients[next++]!;
        try {
          await notifications.notify(user.name, {
            kind: "announcement",
            title: "Announcement",
            body: message,
            by,
          });
        } catch (err) {
          failed++;
          logger.warn({ err, user: user.name }, "announcement not added to a feed");
        }
      }
    };
    const lanes = Math.max(1, Math.min(this.deps.concurrency ?? 16, recipients.length));
    await Promise.all(Array.from({ length: lanes }, worker));

    const outcome: AnnounceOutcome = { recipients: recipients.length - failed, failed, at };
    logger.info({ by, ...outcome, chars: message.length }, "announcement sent");
    return outcome;
  }
}
