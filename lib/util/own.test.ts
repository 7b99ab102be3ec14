import { describe, expect, it } from "vitest";
import { own, withOwn, withoutOwn } from "./own";

describe("own-property lookups", () => {
  const NAMES = ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__", "__defineGetter__"];

  it.each(NAMES)("finds nothing under %s in a plain record", (key) => {
    expect(own({ alice: 1 }, key)).toBeUndefined();
  });

  it.each(NAMES)("stores and removes %s as an ordinary key", (key) => {
    const record = withOwn<number>({}, key, 7);
    expect(Object.hasOwn(record, key)).toBe(true);
    expect(own(record, key)).toBe(7);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(own(JSON.parse(JSON.stringify(record)) as Record<string, number>, key)).toBe(7);
    const without = withoutOwn(record, key);
    expect(own(without, key)).toBeUndefined();
    expect(Object.keys(without)).toEqual([]);
  });
});
