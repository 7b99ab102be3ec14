import { hkdfSync, randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { AuditActor } from "../audit/audit-log";
import type { TokenRecord, TokenStore } from "./token-store";
import { userNameSchema } from "./user-store";

const ISSUER = "pulseboard";
const AUDIENCE = "pulseboard:api";
export const DEFAULT_TOKEN_TTL_S = 3_600;
/** The default ceiling on a token's lifetime (`API_TOKEN_MAX_DAYS`, 90 days unless configured). */
export const DEFAULT_MAX_TOKEN_DAYS = 90;
/** The highest `API_TOKEN_MAX_DAYS` accepts. */
export const MAX_TOKEN_TTL_S = 365 * 24 * 3_600;

export const tokenIdSchema = z.uuid();

/**
 * API tokens get their own key, derived from the auth secret, so they can never pass as session cookies. The
 * derivation is cached: it sits on the handshake path of every token-authenticated socket.
 */
const derivedKeys = new Map<string, Uint8Array>();
function tokenKey(secret: string): Uint8Array {
  let key = derivedKeys.get(secret);
  if (!key) {
    key = new Uint8Array(hkdfSync("sha256", secret, "pulseboard", "api-token-signing-key", 32));
    if (derivedKeys.size > 8) derivedKeys.clear();
    derivedKeys.set(secret, key);
  }
  return key;
}

export interface TokenClaims {
  sub: string;
  /** Epoch seconds. */
  exp: number;
  jti: string;
  /** The owner's credential generation at issue; absent means 0. */
  ep: number;
  /** Epoch seconds. */
  iat: number;
}

/**
 * Signs a token. It is not usable until its record is in the token store: use `issueApiToken`, which does both.
 * The role is not in the token: it is read from the user store at every use.
 */
export async function mintApiToken(
  secret: string,
  user: { name: string; epoch?: number },
  ttlSeconds: number = DEFAULT_TOKEN_TTL_S,
  maxTtlSeconds: number = MAX_TOKEN_TTL_S,
): Promise<{ token: string; expiresAt: number; id: string; createdAt: number }> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxTtlSeconds) {
    throw new RangeError(`ttl must be a whole number of seconds between 1 and ${maxTtlSeconds}`);
  }
  const id = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ ep: user.epoch ?? 0 })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.name)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(id)
    .sign(tokenKey(secret));
  return { token, expiresAt: (now + ttlSeconds) * 1000, id, createdAt: now * 1000 };
}

/** Signs a token and records it, so that it can be listed, revoked, and is accepted. */
export async function issueApiToken(opts: {
  secret: string;
  tokens: TokenStore;
  user: { name: string; epoch?: number };
  name: string;
  ttlSeconds?: number;
  maxTtlSeconds?: number;
  /** Who asked, from where: then the creation is in the audit log, written with the record. */
  audit?: AuditActor;
}): Promise<{ token: string; record: TokenRecord }> {
  const minted = await mintApiToken(opts.secret, opts.user, opts.ttlSeconds, opts.maxTtlSeconds);
  const record: TokenRecord = {
    id: minted.id,
    name: opts.name,
    owner: opts.user.name,
    createdAt: minted.createdAt,
    expiresAt: minted.expiresAt,
    lastUsedAt: null,
  };
  await opts.tokens.create(
    record,
    opts.audit && {
      ...opts.audit,
      action: "token.create",
      target: { kind: "token", id: record.id },
      details: { name: record.name, owner: record.owner, expiresAt: record.expiresAt },
    },
  );
  return { token: minted.token, record };
}

const claimsSchema = z.object({
  sub: userNameSchema,
  exp: z.number().int(),
  jti: z.string().min(1),
  ep: z.number().int().nonnegative().default(0),
  iat: z.number().int(),
});

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "expired" | "invalid" };

/** Checks the signature, issuer, audience and expiry; whether the token was revoked is the store's to say. */
export async function verifyApiToken(secret: string, token: string): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, tokenKey(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    const claims = claimsSchema.safeParse(payload);
    return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: "invalid" };
  } catch (err) {
    return { ok: false, reason: err instanceof errors.JWTExpired ? "expired" : "invalid" };
  }
}
