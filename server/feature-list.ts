import type { Feature } from "./features";

/** Every feature the server runs, in setup order. */
export function allFeatures(): Feature[] {
  return [];
}
