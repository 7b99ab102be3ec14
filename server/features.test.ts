import { describe, expect, it } from "vitest";
import { allFeatures } from "./feature-list";
import { checkFeatures, defineFeature, setUpFeatures, type Feature, type FeatureContext } from "./features";

/** A feature for the list checks: a name and what it needs, with a setup that records its turn. */
function feature(name: string, needs: string[] = [], log: string[] = []): Feature {
  return { ...defineFeature({ name, setup: () => void log.push(name) }), needs };
}

// The checks read names and needs only; setup runs here with no context, so none may touch it.
const noContext = {} as FeatureContext;

describe("checkFeatures", () => {
  it("accepts a list where everything needed comes first", () => {
    expect(() =>
      checkFeatures([
        feature("metrics"),
        feature("boards", ["metrics"]),
        feature("feeds", ["metrics", "boards"]),
      ]),
    ).not.toThrow();
  });

  it("accepts the server's own list", () => {
    expect(() => checkFeatures(allFeatures())).not.toThrow();
  });

  it("refuses a missing dependency, naming both features", () => {
    expect(() => checkFeatures([feature("boards", ["quotas"])])).toThrow(
      'feature "boards" needs "quotas", which is not in the feature list',
    );
  });

  it("refuses a dependency listed after the feature that needs it, naming both", () => {
    expect(() => checkFeatures([feature("boards", ["quotas"]), feature("quotas")])).toThrow(
      'feature "boards" needs "quotas", which is set up after it; list "quotas" before "boards"',
    );
  });

  it("refuses a cycle, naming every feature on it", () => {
    expect(() =>
      checkFeatures([feature("a", ["c"]), feature("b", ["a"]), feature("c", ["b"]), feature("d", ["a"])]),
    ).toThrow('features need each other in a cycle: "a" → "c" → "b" → "a"');
    expect(() => checkFeatures([feature("self", ["self"])])).toThrow(
      'features need each other in a cycle: "self" → "self"',
    );
  });

  it("refuses a name listed twice", () => {
    expect(() => checkFeatures([feature("boards"), feature("quotas"), feature("boards")])).toThrow(
      'feature "boards" is listed twice',
    );
  });
});

describe("setUpFeatures", () => {
  it("sets nothing up when the list is wrong", async () => {
    const log: string[] = [];
    await expect(
      setUpFeatures([feature("first", [], log), feature("boards", ["quotas"], log)], noContext),
    ).rejects.toThrow('feature "boards" needs "quotas"');
    expect(log).toEqual([]);
  });

  it("hands each feature the services of those it needs, and returns them all by name", async () => {
    const seen: unknown[] = [];
    const turns: string[] = [];
    const features = [
      defineFeature({ name: "quotas", setup: () => ({ limit: 3 }) as never }),
      defineFeature({ name: "silent", setup: () => undefined }),
      defineFeature({
        name: "boards",
        needs: ["quotas"],
        setup: (_ctx, needs) => {
          seen.push(needs);
          return { boards: true } as never;
        },
      }),
    ];
    const services = await setUpFeatures(features, noContext, (name) => turns.push(name));
    expect(turns).toEqual(["quotas", "silent", "boards"]);
    expect(seen).toEqual([{ quotas: { limit: 3 } }]);
    expect({ ...services }).toEqual({ quotas: { limit: 3 }, boards: { boards: true } });
  });
});
