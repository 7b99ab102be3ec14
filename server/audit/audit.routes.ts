import { auditQuerySchema, type AuditResponse } from "@/lib/protocol/audit";
import { AppError } from "@/lib/protocol/errors";
import type { Authenticator } from "../auth/authenticator";
import { sendJson } from "../http/respond";
import type { Router } from "../http/router";
import { requirePrincipal } from "../registry/http-auth";
import type { AuditLog } from "./audit-log";

/**
 * `GET /api/admin/audit?user=&action=&from=&to=&cursor=&limit=`: a page of the audit log, newest first, for
 * admins (as the user store says now). The same data as the panel's `admin:audit`.
 */
export function registerAuditRoutes(router: Router, deps: { authenticator: Authenticator; audit: AuditLog }) {
  router.on("GET", "/api/admin/audit", async ({ req, res, url }) => {
    const principal = await requirePrincipal(deps.authenticator, req, "read the audit log");
    if (principal.role !== "admin") throw new AppError("FORBIDDEN", "only admins read the audit log");
    const query = auditQuerySchema.parse(Object.fromEntries(url.searchParams));
    const body: AuditResponse = { ok: true, ...(await deps.audit.page(query)) };
    sendJson(res, 200, body);
  });
}
