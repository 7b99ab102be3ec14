import { z } from "zod";

/**
 * The audit log: admin and security actions, who did them, on what, from where and when. Admins read it with
 * `GET /api/admin/audit` or the `/admin` event `admin:audit`; both take `auditQuerySchema` and answer an
 * `AuditPage`, newest first.
 */
export const AUDIT_ACTIONS = [
  "signin",
  "token.create",
  "token.revoke",
  "user.role",
  "user.password",
  "admin.disconnect",
  "admin.announce",
  "limit.set",
  "task.retry",
  "board.delete",
  "board.restore",
  "board.share",
  "board.member-role",
  "board.unshare",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export type AuditTargetKind = "user" | "board" | "token" | "task" | "limits";
/** How the actor proved who they are. */
export type AuditMethod = "password" | "oidc" | "session" | "token" | "cli";

export interface AuditEntry {
  /** The entry's position in the log, as a string (it is a 64-bit sequence). */
  id: string;
  /** Epoch ms. */
  at: number;
  /** The user who acted or tried to sign in; null for the command line. */
  actor: string | null;
  action: AuditAction;
  target: { kind: AuditTargetKind; id: string } | null;
  ip: string | null;
  method: AuditMethod | null;
  outcome: "success" | "failure";
  details: Record<string, unknown> | null;
}

export const AUDIT_PAGE_MAX = 200;
export const AUDIT_PAGE_DEFAULT = 50;

const epochMs = z.coerce
  .number({ error: "expected a time in epoch milliseconds" })
  .int({ error: "expected a time in epoch milliseconds" })
  .min(0, { error: "expected a time in epoch milliseconds" })
  .max(8.64e15, { error: "expected a time in epoch milliseconds" });

/**
 * Filters and paging. Numbers may come as strings (query parameters). `user` matches the actor and a user the
 * action was on; `from`/`to` bound `at` (inclusive, exclusive); `cursor` is the previous page's `nextCursor`.
 */
export const auditQuerySchema = z.strictObject({
  user: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9_-]{1,31}$/, { error: "expected a user name" })
    .optional(),
  action: z.enum(AUDIT_ACTIONS, { error: "expected one of the audit actions" }).optional(),
  from: epochMs.optional(),
  to: epochMs.optional(),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,17}$/, { error: "expected the cursor of a previous page" })
    .optional(),
  limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(AUDIT_PAGE_DEFAULT),
});

export type AuditQuery = z.output<typeof auditQuerySchema>;
export type AuditQueryIn = z.input<typeof auditQuerySchema>;

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** `GET /api/admin/audit` answer. */
export interface AuditResponse extends AuditPage {
  ok: true;
}
