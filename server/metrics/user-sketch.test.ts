import { describe, expect, it } from "vitest";
import { EXACT_LIMIT, countUsers, hashUser, sketchOf, userSketchSchema } from "./user-sketch";

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const sketch = (users: string[]) => sketchOf(users.map(hashUser), users.length);

describe("user sketches", () => {
  it("counts exactly while every instance has few users, and a user on two instances once", () => {
    const a = sketch(["alice", "bob", "carol"]);
    const b = sketch(["bob", "dave"]);
    expect(countUsers([a, b])).toEqual({ users: 4, exact: true });
    expect(countUsers([])).toEqual({ users: 0, exact: true });
  });

  it("switches to HyperLogLog above the exact limit, within a few percent", () => {
    const big = sketch(names("u", 5_000));
    expect("hll" in big).toBe(true);
    expect(userSketchSchema.safeParse(big).success).toBe(true);
    const small = sketch([...names("u", 100), "only-here"]);
    const { users, exact } = countUsers([big, small]);
    expect(exact).toBe(false);
    expect(Math.abs(users - 5_001) / 5_001).toBeLessThan(0.08);
    const justOver = sketch(names("v", EXACT_LIMIT + 1));
    const estimate = countUsers([justOver]).users;
    expect(Math.abs(estimate - (EXACT_LIMIT + 1)) / (EXACT_LIMIT + 1)).toBeLessThan(0.08);
  });

  it("refuses malformed sketches at the boundary", () => {
    expect(userSketchSchema.safeParse({ exact: [-1] }).success).toBe(false);
    expect(userSketchSchema.safeParse({ hll: "AAAA" }).success).toBe(false);
    expect(userSketchSchema.safeParse({ exact: new Array(EXACT_LIMIT + 1).fill(1) }).success).toBe(false);
  });

  it("hashes names into all of 32 bits", () => {
    const hashes = new Set(names("user-", 10_000).map(hashUser));
    expect(hashes.size).toBe(10_000);
    const topBits = new Set([...hashes].map((h) => h >>> 22));
    expect(topBits.size).toBeGreaterThan(1_000);
  });
});
