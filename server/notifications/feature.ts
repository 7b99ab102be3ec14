import type { Feature, FeatureContext } from "../features";
import { NotificationService } from "./service";
import type { NotificationStore } from "./store";
import { FileNotificationStore } from "./store.file";
import { RedisNotificationStore } from "./store.redis";

declare module "../features" {
  interface Services {
    notifications: NotificationService;
  }
}

export function createNotificationStore(ctx: Pick<FeatureContext, "backends" | "config">): NotificationStore {
  const redis = ctx.backends.redis;
  return redis
    ? new RedisNotificationStore(redis.command, redis.keys)
    : new FileNotificationStore(ctx.config.dataDir);
}

/** The notification feed: `notify:list`, `notify:read`, and `notify:new` pushed as things happen. */
export const notificationsFeature: Feature = {
  name: "notifications",
  setup(ctx) {
    const service = new NotificationService(createNotificationStore(ctx), ctx.io, ctx.logger);
    ctx.events.handle("notify:list", ({ limit }, { user }) => service.list(user.name, limit));
    ctx.events.handle("notify:read", ({ ids }, { user }) => service.markRead(user.name, ids));
    ctx.services.notifications = service;
  },
};
