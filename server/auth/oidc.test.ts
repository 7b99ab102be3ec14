import { describe, expect, it } from "vitest";
import { groupsOf, normalizeUserName, oidcCredential } from "./oidc";
import { verifyPassword } from "./passwords";

describe("the user name an OpenID Connect claim becomes", () => {
  it("follows the user name rules", () => {
    expect(normalizeUserName("alice")).toBe("alice");
    expect(normalizeUserName("Ada.Lovelace")).toBe("ada-lovelace");
    expect(normalizeUserName("  José Núñez ")).toBe("jose-nunez");
    expect(normalizeUserName("grace.hopper@navy.example")).toBe("grace-hopper");
    expect(normalizeUserName("__init__")).toBe("init");
    expect(normalizeUserName("a".repeat(40))).toBe("a".repeat(32));
    expect(normalizeUserName(`${"b".repeat(31)}.x`)).toBe("b".repeat(31));
  });

  it("is refused when nothing valid is left", () => {
    for (const raw of ["", "x", "@example.com", "李雷", "...", 42, null, undefined, ["alice"]])
      expect(normalizeUserName(raw)).toBeUndefined();
  });
});

describe("the groups claim", () => {
  it("is a list of strings, or one string, and nothing else", () => {
    expect(groupsOf({ groups: ["a", 1, "b"] }, "groups")).toEqual(["a", "b"]);
    expect(groupsOf({ roles: "admins" }, "roles")).toEqual(["admins"]);
    expect(groupsOf({ groups: { admins: true } }, "groups")).toEqual([]);
    expect(groupsOf({}, "groups")).toEqual([]);
    // Only the claim's own property: an inherited name is not a claim.
    expect(groupsOf({}, "constructor")).toEqual([]);
  });
});

describe("an SSO user's stored credential", () => {
  it("is bound to the issuer and the subject, and no password matches it", async () => {
    const a = oidcCredential("https://idp.example", "sub-1");
    expect(a).toBe(oidcCredential("https://idp.example", "sub-1"));
    expect(a).not.toBe(oidcCredential("https://idp.example", "sub-2"));
    expect(a).not.toBe(oidcCredential("https://other.example", "sub-1"));
    expect(await verifyPassword("", a)).toBe(false);
    expect(await verifyPassword(a, a)).toBe(false);
  });
});
