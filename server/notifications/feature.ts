import { defineFeature } from "../features";
import { NotificationService } from "./service";

declare module "../features" {
  interface Services {
    notifications: NotificationService;
  }
}

/** The notification feed: `notify:list`, `notify:read`, and `notify:new` pushed as things happen. */
export const notificationsFeature = defineFeature({
  name: "notifications",
  setup(ctx) {
    const service = new NotificationService(ctx.stores.notifications, ctx.io, ctx.logger);
    ctx.events.handle("notify:list", ({ limit }, { user }) => service.list(user.name, limit));
    ctx.events.handle("notify:read", ({ ids }, { user }) => service.markRead(user.name, ids));
    return service;
  },
});
