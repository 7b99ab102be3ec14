import { defineFeature } from "../features";
import type { AuditLog } from "./audit-log";
import { registerAuditRoutes } from "./audit.routes";

declare module "../features" {
  interface Services {
    audit: AuditLog;
  }
}

/** How often entries past `AUDIT_RETENTION_DAYS` are deleted. */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The audit log (`backends.audit`, in the database): its HTTP route, and the retention sweep, which every instance
 * runs (deleting old entries twice is harmless). Features that audit an action need "audit" and append to it;
 * stores that change the database write their entry in the change's own transaction.
 */
export const auditFeature = defineFeature({
  name: "audit",
  setup(ctx) {
    const audit = ctx.backends.audit;
    registerAuditRoutes(ctx.router, { authenticator: ctx.authenticator, audit });
    const prune = () => {
      audit
        .prune(Date.now() - ctx.config.audit.retentionMs)
        .then((n) => {
          if (n > 0) ctx.logger.info({ deleted: n }, "audit entries past their retention deleted");
        })
        .catch((err: unknown) => ctx.logger.warn({ err }, "audit retention sweep failed"));
    };
    prune();
    const timer = setInterval(prune, PRUNE_EVERY_MS);
    timer.unref();
    ctx.onShutdown(() => clearInterval(timer));
    return audit;
  },
});
