import { boardsFeature } from "./boards/feature";
import type { Feature } from "./features";
import { notificationsFeature } from "./notifications/feature";
import { tasksFeature } from "./tasks/feature";

/** Every feature the server runs, in setup order: a feature may use the services of those before it. */
export function allFeatures(): Feature[] {
  return [notificationsFeature, boardsFeature, tasksFeature];
}
