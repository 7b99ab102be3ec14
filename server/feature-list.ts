import { AdminFeature } from "./admin/feature";
import type { Feature } from "./features";
import { MetricsFeature } from "./metrics/feature";

/** Every feature the server runs, in setup order. A new list per application: features hold per-app state. */
export function allFeatures(): Feature[] {
  const metrics = new MetricsFeature();
  return [metrics, new AdminFeature({ metrics })];
}
