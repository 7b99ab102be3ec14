import { defineFeature } from "../features";
import { MetricsService } from "./service";

declare module "../features" {
  interface Services {
    metrics: MetricsService;
  }
}

/**
 * Counts what this instance does, serves it to Prometheus, and shares it with the other instances to build the
 * cluster-wide view that the admin panel and the live chart feeds show.
 */
export const metricsFeature = defineFeature({
  name: "metrics",
  async setup(ctx) {
    const metrics = new MetricsService();
    await metrics.start(ctx);
    return metrics;
  },
});
