import { join } from "node:path";
import { requireService, type Feature } from "../features";
import { JsonDoc } from "../storage/json-doc";
import { createWelcomeBoard } from "./welcome";

/**
 * With the demo users (embedded mode by default), a fresh install gets a welcome board shared with all of them.
 * Created once: deleting it is respected across restarts.
 */
export const demoFeature: Feature = {
  name: "demo",
  async setup(ctx) {
    if (!ctx.config.seedDemoUsers) return;
    const boards = requireService(ctx, "boards");
    const redis = ctx.backends.redis;
    if (redis) {
      const first = await redis.command.set(redis.keys.key("seed", "welcome"), "1", "NX");
      if (first === "OK") await createWelcomeBoard(boards);
      return;
    }
    const doc = new JsonDoc<{ welcome?: string }>(join(ctx.config.dataDir, "seed.json"), () => ({}));
    if ((await doc.read()).welcome) return;
    const id = await createWelcomeBoard(boards);
    await doc.update((d) => {
      d.welcome = id;
    });
    ctx.logger.info({ board: id }, "created the welcome board");
  },
};
