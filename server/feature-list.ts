import type { Feature } from "./features";
import { registryFeature } from "./registry/registry.feature";

/** Every feature the server runs, in setup order. */
export function allFeatures(): Feature[] {
  return [registryFeature()];
}
