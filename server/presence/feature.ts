import { defineFeature } from "../features";
import { PresenceTracker } from "./tracker";

declare module "../features" {
  interface Services {
    presence: PresenceTracker;
  }
}

/** Who views which board, across instances, for the boards and the live feeds. */
export const presenceFeature = defineFeature({
  name: "presence",
  setup(ctx) {
    const presence = new PresenceTracker({
      store: ctx.stores.presence,
      io: ctx.io,
      instanceId: ctx.config.instanceId,
      leaseMs: ctx.config.instanceLeaseMs,
      logger: ctx.logger,
    });
    presence.start();
    ctx.onShutdown(() => presence.stop());
    return presence;
  },
});
