import { createHash } from "node:crypto";
import type { OAuthConfig } from "next-auth/providers/oauth";
import type { AuditActor } from "../audit/audit-log";
import type { OidcConfig } from "../config/config";
import type { Logger } from "../logging/logger";
import { epochOf, userNameSchema, UserExistsError, type Role, type UserStore } from "./user-store";

/** next-auth's id for the provider: its callback is `/api/auth/callback/oidc`. */
export const OIDC_PROVIDER_ID = "oidc";

/** Sign-in page error codes of our own (next-auth's are `OAuthSignin`, `OAuthCallback`, ...). */
export type OidcSignInError = "OidcUserName" | "OidcNameTaken" | "OidcNotAllowed" | "OidcUnavailable";

type Claims = Record<string, unknown>;

/**
 * The provider, as next-auth 4 takes a generic OpenID Connect one: discovery from the issuer, the ID token's
 * claims as the profile, PKCE and state checked on the way back.
 */
export function oidcProvider(config: OidcConfig): OAuthConfig<Claims> {
  return {
    id: OIDC_PROVIDER_ID,
    name: config.name,
    type: "oauth",
    wellKnown: `${config.issuer}/.well-known/openid-configuration`,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    authorization: { params: { scope: config.scopes } },
    idToken: true,
    checks: ["pkce", "state"],
    // The user name is settled in the signIn callback, which can refuse with a readable error.
    profile: (claims) => ({ id: String(claims.sub) }),
  };
}

/**
 * The user name rules applied to a claim: lower case, accents dropped, the part before an `@`, runs of other
 * characters made one `-`, at most 32 characters. Undefined when nothing valid is left.
 */
export function normalizeUserName(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  let name = raw
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .trim();
  const at = name.indexOf("@");
  if (at >= 0) name = name.slice(0, at);
  name = name
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+/, "")
    .slice(0, 32)
    .replace(/[-_]+$/, "");
  const parsed = userNameSchema.safeParse(name);
  return parsed.success ? parsed.data : undefined;
}

/** The groups claim as a list: an array of strings, or one string. */
export function groupsOf(claims: Claims, claim: string): string[] {
  const value = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  return [];
}

/**
 * What an SSO user has instead of a password hash: bound to the issuer and the subject, so that a second account
 * at the provider whose name normalises the same cannot take the first one's place, and no password matches it.
 */
export function oidcCredential(issuer: string, sub: string): string {
  return `oidc$${createHash("sha256").update(`${issuer}\n${sub}`).digest("base64url")}`;
}

export interface OidcSignInDeps {
  config: OidcConfig;
  users: UserStore;
  logger: Logger;
  /** The role changed here: what this instance read about the user is stale (and their old sessions ended). */
  onRoleChanged?(name: string): void;
}

export type OidcSignIn =
  | { ok: true; user: { id: string; name: string; role: Role; epoch: number } }
  | { ok: false; error: OidcSignInError; actor: string | null };

/**
 * A user who came back from the provider: provisioned at the first sign-in, their role set from the groups claim
 * at every sign-in (through the user store, as the command line does, and audited when it changes).
 */
export async function signInWithOidc(
  deps: OidcSignInDeps,
  claims: Claims,
  from: Omit<AuditActor, "actor">,
): Promise<OidcSignIn> {
  const { config, users, logger } = deps;
  const rawName = Object.hasOwn(claims, config.usernameClaim) ? claims[config.usernameClaim] : undefined;
  const name = normalizeUserName(rawName);
  const sub = typeof claims.sub === "string" ? claims.sub : undefined;
  if (!name || !sub) {
    logger.warn(
      {
        claim: config.usernameClaim,
        value: typeof rawName === "string" ? rawName.slice(0, 80) : typeof rawName,
      },
      "OpenID Connect sign-in refused: the user name claim cannot be made a user name",
    );
    return { ok: false, error: "OidcUserName", actor: null };
  }
  const groups = groupsOf(claims, config.groupsClaim);
  if (config.allowedGroups && !config.allowedGroups.some((g) => groups.includes(g))) {
    logger.warn({ user: name }, "OpenID Connect sign-in refused: in none of OIDC_ALLOWED_GROUPS");
    return { ok: false, error: "OidcNotAllowed", actor: name };
  }
  const credential = oidcCredential(config.issuer, sub);
  const wanted: Role | undefined =
    config.adminGroup === undefined ? undefined : groups.includes(config.adminGroup) ? "admin" : "user";
  let user = await users.get(name);
  if (!user) {
    try {
      // The user's own first sign-in; the role entry (`from: null`) says whether the groups made them an admin.
      await users.create(
        { name, role: wanted ?? "user", passwordHash: credential, createdAt: Date.now() },
        { actor: name, ...from, details: { source: "oidc-groups" } },
      );
      logger.info({ user: name, role: wanted ?? "user" }, "user provisioned at the first single sign-on");
    } catch (err) {
      if (!(err instanceof UserExistsError)) throw err;
    }
    user = await users.get(name);
    if (!user) return { ok: false, error: "OidcUnavailable", actor: name };
  }
  if (user.passwordHash !== credential) {
    logger.warn({ user: name }, "OpenID Connect sign-in refused: the user name belongs to another account");
    return { ok: false, error: "OidcNameTaken", actor: name };
  }
  if (wanted && user.role !== wanted) {
    await users.setRole(name, wanted, {
      actor: name,
      ...from,
      action: "user.role",
      target: { kind: "user", id: name },
      details: { source: "oidc-groups" },
    });
    deps.onRoleChanged?.(name);
    user = (await users.get(name)) ?? user;
  }
  return { ok: true, user: { id: name, name, role: user.role, epoch: epochOf(user) } };
}
