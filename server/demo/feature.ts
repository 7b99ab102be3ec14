import { defineFeature } from "../features";
import { createWelcomeBoard } from "./welcome";

/**
 * With the demo users (embedded mode by default), a fresh install gets a welcome board shared with all of them.
 * Created once: deleting it is respected across restarts.
 */
export const demoFeature = defineFeature({
  name: "demo",
  needs: ["boards"],
  async setup(ctx, { boards }) {
    if (!ctx.config.seedDemoUsers) return;
    const id = await ctx.stores.seeds.once("welcome", () => createWelcomeBoard(boards));
    if (id) ctx.logger.info({ board: id }, "created the welcome board");
  },
});
