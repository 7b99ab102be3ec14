import { z } from "zod";

/** A token as its owner sees it; the token itself is only in the answer to its creation. */
export interface TokenSummary {
  id: string;
  name: string;
  owner: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms, recorded to the minute; null when never used. */
  lastUsedAt: number | null;
  expiresAt: number;
}

/** `POST /api/tokens` body. The server caps `ttlSeconds` at `API_TOKEN_MAX_DAYS`. */
export const createTokenRequest = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, { error: "a token name is 1-64 characters" })
    .max(64, { error: "a token name is 1-64 characters" })
    .default("token"),
  ttlSeconds: z.number().int().min(60).default(3_600),
});

/** `POST /api/tokens` answer (201). */
export interface CreateTokenResponse {
  ok: true;
  token: string;
  expiresAt: number;
  user: string;
  record: TokenSummary;
}

/** `GET /api/tokens`: the caller's live tokens, newest first. */
export interface TokensResponse {
  ok: true;
  tokens: TokenSummary[];
  /** The longest lifetime a new token may have, in seconds. */
  maxTtlSeconds: number;
}

/** `DELETE /api/tokens/:id`. */
export interface RevokeTokenResponse {
  ok: true;
  revoked: TokenSummary;
}
