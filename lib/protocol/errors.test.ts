import { describe, expect, it } from "vitest";
import { isErrorCode, isRetryable } from "./errors";

describe("error codes", () => {
  it("knows its own codes and nothing an object inherits", () => {
    expect(isErrorCode("RATE_LIMITED")).toBe(true);
    expect(isRetryable("RATE_LIMITED")).toBe(true);
    expect(isRetryable("CONFLICT")).toBe(false);
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf", "", 42, null])
      expect(isErrorCode(name)).toBe(false);
  });
});
