import { describe, expect, it } from "vitest";
import { SESSION_HEADERS, sessionFromHeaders } from "./session-headers";

const from = (h: Record<string, string>) => sessionFromHeaders((name) => h[name] ?? null);

describe("sessionFromHeaders", () => {
  const expires = Date.now() + 3_600_000;
  const valid = {
    [SESSION_HEADERS.user]: "alice",
    [SESSION_HEADERS.role]: "user",
    [SESSION_HEADERS.expires]: String(expires),
  };

  it("gives the session the proxy handed over", () => {
    expect(from(valid)).toEqual({
      user: { name: "alice", role: "user" },
      expires: new Date(expires).toISOString(),
    });
  });

  it("gives none for a public page, a malformed header or an expired session", () => {
    expect(from({})).toBeUndefined();
    expect(from({ ...valid, [SESSION_HEADERS.user]: "Alice Smith" })).toBeUndefined();
    expect(from({ ...valid, [SESSION_HEADERS.role]: "root" })).toBeUndefined();
    expect(from({ ...valid, [SESSION_HEADERS.expires]: "soon" })).toBeUndefined();
    expect(from({ ...valid, [SESSION_HEADERS.expires]: String(Date.now() - 1) })).toBeUndefined();
  });
});
