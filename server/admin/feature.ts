import type { Namespace } from "socket.io";
import { ADMIN_NAMESPACE, type AdminUpdate, type AdminView } from "@/lib/protocol/admin";
import { defineFeature, type FeatureContext } from "../features";
import { serverStamp } from "../metrics/clock";
import type { MetricsService } from "../metrics/service";
import { scheduleExpiry, startCredentialSweep } from "../realtime/session-expiry";
import type { AppSocket } from "../realtime/types";
import { createAdminHandlers } from "./actions";
import { createAdminEventRouter } from "./events";
import { guardAdminNamespace, pushToAdmins, type AdminNamespace } from "./namespace";
import { instrumentAdminUi } from "./socketio-admin-ui";

/** Snapshot-driven updates are coalesced over this long; the one-second tick is always sent at once. */
const COALESCE_MS = 150;

/** The cluster view an admin sees, with Redis as this instance sees it. */
function adminView(metrics: MetricsService, ctx: FeatureContext): AdminView {
  return { ...metrics.cluster.view(serverStamp()), redis: ctx.backends.redisStatus() };
}

function pushUpdates(nsp: AdminNamespace, metrics: MetricsService, ctx: FeatureContext): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const send = (appended?: AdminUpdate["appended"]) => {
    clearTimeout(timer);
    timer = undefined;
    // Local only: every instance sends its own admins the same cluster view.
    if (nsp.sockets.size === 0) return;
    const update: AdminUpdate = adminView(metrics, ctx);
    if (appended) update.appended = appended;
    pushToAdmins(nsp, ctx.authenticator, "admin:update", update);
  };
  metrics.onChange((change) => {
    if (change.kind === "tick") return send(change.point);
    if (timer || nsp.sockets.size === 0) return;
    timer = setTimeout(() => send(), COALESCE_MS);
    timer.unref();
  });
}

/**
 * The `/admin` namespace: admins receive the cluster view, the users table and the task queue live, and act:
 * disconnect a user everywhere, announce, change connection limits, retry failed tasks. The handshake admits
 * admins only, and every event checks the role again (`events.ts`).
 */
export const adminFeature = defineFeature({
  name: "admin",
  needs: ["audit", "metrics", "registry", "notifications", "tasks"],
  setup(ctx, { audit, metrics, registry, notifications, tasks }) {
    const nsp = ctx.io.of(ADMIN_NAMESPACE) as unknown as AdminNamespace;
    guardAdminNamespace(nsp, {
      authenticator: ctx.authenticator,
      allowedOrigins: ctx.config.allowedOrigins,
      isDraining: () => ctx.lifecycle.draining,
      logger: ctx.logger,
      bus: ctx.bus,
    });
    const handlers = createAdminHandlers({
      ctx,
      nsp,
      metrics,
      view: () => adminView(metrics, ctx),
      registry,
      queue: tasks,
      notifications,
      audit,
    });
    const events = createAdminEventRouter(handlers, {
      authenticator: ctx.authenticator,
      logger: ctx.logger,
      trustHandshake: new Set(["admin:history"]),
    });
    nsp.on("connection", (socket) => {
      scheduleExpiry(socket as unknown as AppSocket);
      events.attach(socket);
    });
    pushUpdates(nsp, metrics, ctx);
    // A demoted admin's /admin sockets are closed within about two AUTH_RECHECK_MS, as are revoked credentials.
    const sweep = startCredentialSweep({
      namespaces: [{ nsp: nsp as unknown as Namespace, requireAdmin: true }],
      prefetch: (principals) => ctx.authenticator.prefetch(principals),
      recheck: (principal) => ctx.authenticator.recheck(principal),
      intervalMs: ctx.config.auth.recheckMs,
      logger: ctx.logger,
    });
    ctx.bus.on("auth:revoked", () => void sweep.sweep().catch(() => undefined));
    ctx.onShutdown(() => sweep.stop());
    if (ctx.config.socketIoAdminUi) {
      instrumentAdminUi(ctx.io, {
        users: ctx.backends.users,
        allowedOrigins: ctx.config.allowedOrigins,
        instanceId: ctx.config.instanceId,
        logger: ctx.logger,
        throttle: ctx.signInThrottle,
        clientIps: ctx.clientIps,
      });
    }
  },
});
