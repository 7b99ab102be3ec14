import { hkdfSync, randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { roleSchema, userNameSchema, type Role } from "./user-store";

const ISSUER = "pulseboard";
const AUDIENCE = "pulseboard:api";
export const DEFAULT_TOKEN_TTL_S = 3_600;
export const MAX_TOKEN_TTL_S = 365 * 24 * 3_600;

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
  role: Role;
  /** Epoch seconds. */
  exp: number;
  jti: string;
}

export async function mintApiToken(
  secret: string,
  user: { name: string; role: Role },
  ttlSeconds: number = DEFAULT_TOKEN_TTL_S,
): Promise<{ token: string; expiresAt: number; id: string }> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_S) {
    throw new RangeError(`ttl must be a whole number of seconds between 1 and ${MAX_TOKEN_TTL_S}`);
  }
  const id = randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ role: user.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.name)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(id)
    .sign(tokenKey(secret));
  return { token, expiresAt: (now + ttlSeconds) * 1000, id };
}

const claimsSchema = z.object({
  sub: userNameSchema,
  role: roleSchema,
  exp: z.number().int(),
  jti: z.string().min(1),
});

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: "expired" | "invalid" };

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
