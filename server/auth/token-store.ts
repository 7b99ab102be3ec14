import type { AuditRecord } from "../audit/audit-log";

/**
 * The record of one API token. The token itself (a signed JWT) is shown once and never stored; the record is what
 * makes it manageable: listed by its owner, revoked by its owner or an admin, refused once revoked or expired.
 */
export interface TokenRecord {
  /** The token's `jti`, a random UUID. */
  id: string;
  /** A label chosen by the owner, e.g. "ci" or "grafana". */
  name: string;
  owner: string;
  /** Epoch ms. */
  createdAt: number;
  expiresAt: number;
  /** Epoch ms of the last authenticated use, recorded at most once a minute; null when never used. */
  lastUsedAt: number | null;
}

/**
 * API token records, in the SQL system of record (`token-store.sql.ts`, SQLite or PostgreSQL), which passes
 * `token-store.contract.test.ts` on both. Expired records are never returned and are dropped as they are met.
 */
export interface TokenStore {
  /** With `audit`, the SQL store writes that entry in the same transaction. */
  create(record: TokenRecord, audit?: AuditRecord): Promise<void>;
  /** The record while it is neither revoked nor expired. */
  get(id: string): Promise<TokenRecord | undefined>;
  /** The live records of these ids, by id: one read for many (the credential sweep). */
  getMany(ids: readonly string[]): Promise<Map<string, TokenRecord>>;
  /** The owner's live tokens, newest first. */
  listFor(owner: string): Promise<TokenRecord[]>;
  /** Removes the record; returns it when it existed. With `audit`, written with the removal (and only then). */
  revoke(id: string, audit?: AuditRecord): Promise<TokenRecord | undefined>;
  /**
   * Removes every token of the owner (password or role changed, user removed); returns how many. When there were
   * any, writes `audit` in the same transaction with their number added to its details (`count`).
   */
  revokeAllFor(owner: string, audit: AuditRecord): Promise<number>;
  /** Records a use; a no-op for an unknown id. */
  touch(id: string, at: number): Promise<void>;
}

/** The longest list kept per user: a user cannot fill the store by minting tokens in a loop. */
export const MAX_TOKENS_PER_USER = 100;

export class TooManyTokensError extends Error {
  constructor() {
    super(`a user may hold at most ${MAX_TOKENS_PER_USER} live API tokens; revoke some first`);
    this.name = "TooManyTokensError";
  }
}
