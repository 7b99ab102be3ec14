import { describe, expect, it } from "vitest";
import { mintApiToken, verifyApiToken } from "./api-tokens";
import { oidcCredential } from "./oidc";
import { derive, hashPassword, needsRehash, verifyPassword, type Derive } from "./passwords";

const SECRET = "unit-secret-unit-secret-unit-secret-unit";

describe("passwords", () => {
  it("hashes with OWASP's scrypt minimum and a fresh salt, and verifies only the right password", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("Correct horse", a)).toBe(false);
    expect(await verifyPassword("correct horse", "garbage")).toBe(false);
    expect(needsRehash(a)).toBe(false);
  });

  it("spends one key derivation on a stored value that is no hash (an SSO user's credential), and refuses it", async () => {
    let derivations = 0;
    const counting: Derive = (...args) => {
      derivations++;
      return derive(...args);
    };
    const reference = await hashPassword("correct horse");
    expect(await verifyPassword("correct horse", reference, counting)).toBe(true);
    expect(derivations).toBe(1);
    for (const stored of [
      oidcCredential("https://sso.example.test", "sub-1"),
      "garbage",
      "scrypt$1$1$1$c2FsdA$",
    ]) {
      derivations = 0;
      expect(await verifyPassword("correct horse", stored, counting)).toBe(false);
      expect(derivations, stored).toBe(1);
    }
  });

  it("still verifies a hash made with older parameters, and says it needs a rehash", async () => {
    const old = await hashPassword("correct horse", { N: 2 ** 15, r: 8, p: 1 });
    expect(old).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword("correct horse", old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
  });

  it("refuses a stored hash that would need more memory than allowed, without throwing", async () => {
    const huge = (await hashPassword("x", { N: 2 ** 10, r: 8, p: 1 })).replace("$1024$", "$4194304$");
    expect(await verifyPassword("x", huge)).toBe(false);
  });

  it("prints the cost of one hash (not asserted)", async () => {
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await hashPassword("correct horse");
      runs.push(performance.now() - t);
    }
    console.log(`scrypt N=2^17 r=8 p=1: best of 3 = ${Math.min(...runs).toFixed(0)} ms`);
  });
});

describe("API tokens", () => {
  it("round-trips the user, epoch and expiry, and carries no role", async () => {
    const { token, expiresAt } = await mintApiToken(SECRET, { name: "alice", epoch: 3 }, 120);
    const check = await verifyApiToken(SECRET, token);
    expect(check).toMatchObject({ ok: true, claims: { sub: "alice", ep: 3 } });
    expect(check.ok && "role" in check.claims).toBe(false);
    if (check.ok) expect(check.claims.exp * 1000).toBe(expiresAt);
  });

  it("refuses another secret, tampering, and expiry", async () => {
    const { token } = await mintApiToken(SECRET, { name: "alice" }, 60);
    expect(await verifyApiToken(`${SECRET}x`, token)).toEqual({ ok: false, reason: "invalid" });
    const [h, p, s] = token.split(".") as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: "admin" })).toString("base64url")}.${s}`;
    expect(await verifyApiToken(SECRET, forged)).toEqual({ ok: false, reason: "invalid" });
    const short = await mintApiToken(SECRET, { name: "alice" }, 1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await verifyApiToken(SECRET, short.token)).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses lifetimes out of range", async () => {
    await expect(mintApiToken(SECRET, { name: "a1" }, 0)).rejects.toThrow(RangeError);
    await expect(mintApiToken(SECRET, { name: "a1" }, 1.5)).rejects.toThrow(RangeError);
    await expect(mintApiToken(SECRET, { name: "a1" }, 91 * 86_400, 90 * 86_400)).rejects.toThrow(RangeError);
  });
});
