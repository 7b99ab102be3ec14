import { z } from "zod";
import type { AuditRecord } from "../audit/audit-log";

/** The bounds of any connection limit, global or per user (the same as `MAX_CONNECTIONS_PER_USER`). */
export const MIN_LIMIT = 1;
export const MAX_LIMIT = 10_000;

export const limitSchema = z
  .number({ error: `expected an integer between ${MIN_LIMIT} and ${MAX_LIMIT}` })
  .int({ error: `expected an integer between ${MIN_LIMIT} and ${MAX_LIMIT}` })
  .min(MIN_LIMIT, { error: `expected an integer between ${MIN_LIMIT} and ${MAX_LIMIT}` })
  .max(MAX_LIMIT, { error: `expected an integer between ${MIN_LIMIT} and ${MAX_LIMIT}` });

export interface LimitSettings {
  /** The limit for users without an override. */
  default: number;
  /** `config`: `MAX_CONNECTIONS_PER_USER`; `runtime`: set through the admin API, kept in the store. */
  defaultSource: "config" | "runtime";
  /** `MAX_CONNECTIONS_PER_USER` of the instance answering, what `default` reverts to when cleared. */
  configDefault: number;
  /** Per-user overrides, by user name. */
  users: Record<string, number>;
}

/**
 * Connection limits, read at every admission so that a change applies to the next connection on every
 * instance. One implementation, `limits.sql.ts`, on SQLite (embedded) and PostgreSQL; it passes
 * `limits.contract.test.ts` on both.
 */
export interface LimitStore {
  /** The user's override, else the runtime default, else `MAX_CONNECTIONS_PER_USER`. */
  limitFor(user: string): Promise<number>;
  settings(): Promise<LimitSettings>;
  /** `null` reverts to `MAX_CONNECTIONS_PER_USER`. */
  setDefault(limit: number | null, audit: AuditRecord): Promise<void>;
  /** `null` removes the user's override. The SQL store writes `audit` with the change, in its transaction. */
  setUser(user: string, limit: number | null, audit: AuditRecord): Promise<void>;
}

/** Parses a stored limit, ignoring anything that is not one. */
export function storedLimit(raw: unknown): number | undefined {
  const value = typeof raw === "string" ? Number(raw) : raw;
  const parsed = limitSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The settings a store reports, from its raw default and raw per-user values; unreadable values are skipped. */
export function limitSettings(
  configDefault: number,
  rawDefault: unknown,
  rawUsers: [name: string, raw: unknown][],
): LimitSettings {
  const runtime = storedLimit(rawDefault);
  const users: Record<string, number> = {};
  for (const [name, raw] of rawUsers) {
    const limit = storedLimit(raw);
    if (limit !== undefined)
      Object.defineProperty(users, name, {
        value: limit,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return {
    default: runtime ?? configDefault,
    defaultSource: runtime === undefined ? "config" : "runtime",
    configDefault,
    users,
  };
}
