import { describe, expect, it } from "vitest";
import { mintApiToken, verifyApiToken } from "./api-tokens";
import { hashPassword, verifyPassword } from "./passwords";

const SECRET = "unit-secret-unit-secret-unit-secret-unit";

describe("passwords", () => {
  it("hashes with a fresh salt and verifies only the right password", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("Correct horse", a)).toBe(false);
    expect(await verifyPassword("correct horse", "garbage")).toBe(false);
  });
});

describe("API tokens", () => {
  it("round-trips the user, role and expiry", async () => {
    const { token, expiresAt } = await mintApiToken(SECRET, { name: "alice", role: "admin" }, 120);
    const check = await verifyApiToken(SECRET, token);
    expect(check).toMatchObject({ ok: true, claims: { sub: "alice", role: "admin" } });
    if (check.ok) expect(check.claims.exp * 1000).toBe(expiresAt);
  });

  it("refuses another secret, tampering, and expiry", async () => {
    const { token } = await mintApiToken(SECRET, { name: "alice", role: "user" }, 60);
    expect(await verifyApiToken(`${SECRET}x`, token)).toEqual({ ok: false, reason: "invalid" });
    const [h, p, s] = token.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, role: "admin" })).toString("base64url")}.${s}`;
    expect(await verifyApiToken(SECRET, forged)).toEqual({ ok: false, reason: "invalid" });
    const short = await mintApiToken(SECRET, { name: "alice", role: "user" }, 1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await verifyApiToken(SECRET, short.token)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses lifetimes out of range", async () => {
    await expect(mintApiToken(SECRET, { name: "a1", role: "user" }, 0)).rejects.toThrow(RangeError);
    await expect(mintApiToken(SECRET, { name: "a1", role: "user" }, 1.5)).rejects.toThrow(RangeError);
  });
});
