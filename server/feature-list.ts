import { adminFeature } from "./admin/feature";
import { auditFeature } from "./audit/feature";
import { boardsFeature } from "./boards/feature";
import { boardFanoutFeature } from "./boards/op-fanout";
import { demoFeature } from "./demo/feature";
import { liveFeedFeature } from "./feeds/feature";
import type { Feature } from "./features";
import { metricsFeature } from "./metrics/feature";
import { notificationsFeature } from "./notifications/feature";
import { presenceFeature } from "./presence/feature";
import { quotasFeature } from "./quotas/feature";
import { registryFeature } from "./registry/registry.feature";
import { tasksFeature } from "./tasks/feature";

/**
 * Every feature the server runs, in setup order: a feature's `needs` must come before it, which startup checks.
 * Features hold no state of their own (their setup does), so one list serves every application.
 */
export function allFeatures(): Feature[] {
  return [
    auditFeature,
    metricsFeature,
    registryFeature,
    quotasFeature,
    notificationsFeature,
    presenceFeature,
    boardFanoutFeature,
    boardsFeature,
    tasksFeature,
    liveFeedFeature,
    demoFeature,
    adminFeature,
  ];
}
