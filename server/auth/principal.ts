import type { Role } from "./user-store";

/** Who is acting, however they proved it. */
export interface Principal {
  name: string;
  /** Read from the user store (cached for at most `AUTH_RECHECK_MS`), never from the credential. */
  role: Role;
  /** Epoch ms at which the credential stops being valid. */
  expiresAt: number;
  via: "session" | "token";
  /** The API token's id (`jti`), for tokens. */
  tokenId?: string;
  /** The user's credential generation when the credential was issued; see `UserRecord.epoch`. */
  epoch: number;
  /** Epoch seconds at which the credential was issued: one from before the user was (re)created is not theirs. */
  issuedAt: number;
}

export type AuthResult =
  { ok: true; principal: Principal } | { ok: false; reason: "missing" | "invalid" | "expired" | "revoked" };
