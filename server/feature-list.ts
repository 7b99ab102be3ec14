import { AdminFeature } from "./admin/feature";
import { boardsFeature } from "./boards/feature";
import { demoFeature } from "./demo/feature";
import { liveFeedFeature } from "./feeds/feature";
import type { Feature } from "./features";
import { MetricsFeature } from "./metrics/feature";
import { notificationsFeature } from "./notifications/feature";
import { quotasFeature } from "./quotas/feature";
import { registryFeature } from "./registry/registry.feature";
import { tasksFeature } from "./tasks/feature";

/**
 * Every feature the server runs, in setup order: a feature may use the services of those before it. A new list
 * per application, because features hold per-application state.
 */
export function allFeatures(): Feature[] {
  const metrics = new MetricsFeature();
  return [
    metrics,
    registryFeature(),
    quotasFeature,
    notificationsFeature,
    boardsFeature,
    tasksFeature,
    liveFeedFeature,
    demoFeature,
    new AdminFeature({ metrics }),
  ];
}
