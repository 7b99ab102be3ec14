import type { Namespace } from "socket.io";
import { ADMIN_NAMESPACE, type AdminUpdate, type AdminView } from "@/lib/protocol/admin";
import { requireService, type Feature, type FeatureContext } from "../features";
import type { MetricsFeature } from "../metrics/feature";
import { serverStamp } from "../metrics/clock";
import { scheduleExpiry, startCredentialSweep } from "../realtime/session-expiry";
import type { AppSocket } from "../realtime/types";
import { createAdminHandlers } from "./actions";
import { createAdminEventRouter } from "./events";
import { guardAdminNamespace, pushToAdmins, type AdminNamespace } from "./namespace";
import { instrumentAdminUi } from "./socketio-admin-ui";

export interface AdminFeatureDeps {
  metrics: MetricsFeature;
  /** Snapshot-driven updates are coalesced over this long; the one-second tick is always sent at once. */
  coalesceMs?: number;
}

/**
 * The `/admin` namespace: admins receive the cluster view, the users table and the task queue live, and act:
 * disconnect a user everywhere, announce, change connection limits, retry failed tasks. The handshake admits
 * admins only, and every event checks the role again (`events.ts`).
 */
export class AdminFeature implements Feature {
  readonly name = "admin";
  private nsp?: AdminNamespace;
  private redisStatus: () => AdminView["redis"] = () => "disabled";

  constructor(private readonly deps: AdminFeatureDeps) {}

  get namespace(): AdminNamespace {
    if (!this.nsp) throw new Error("AdminFeature is not set up");
    return this.nsp;
  }

  setup(ctx: FeatureContext): void {
    const registry = requireService(ctx, "registry");
    const notifications = requireService(ctx, "notifications");
    const tasks = requireService(ctx, "tasks");
    const redis = ctx.backends.redis?.command;
    this.redisStatus = () => (redis ? (redis.status === "ready" ? "up" : "down") : "disabled");
    const nsp = ctx.io.of(ADMIN_NAMESPACE) as unknown as AdminNamespace;
    this.nsp = nsp;
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
      metrics: this.deps.metrics,
      view: () => this.view(),
      registry,
      queue: tasks,
      notifications,
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
    this.pushUpdates(nsp, ctx);
    // A demoted admin's /admin sockets are closed within about two AUTH_RECHECK_MS, as are revoked credentials.
    const sweep = startCredentialSweep({
      namespaces: [{ nsp: nsp as unknown as Namespace, requireAdmin: true }],
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
        throttle: requireService(ctx, "signInThrottle"),
        clientIps: requireService(ctx, "clientIps"),
      });
    }
  }

  private view(): AdminView {
    return { ...this.deps.metrics.cluster.view(serverStamp()), redis: this.redisStatus() };
  }

  private pushUpdates(nsp: AdminNamespace, ctx: FeatureContext): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const send = (appended?: AdminUpdate["appended"]) => {
      clearTimeout(timer);
      timer = undefined;
      // Local only: every instance sends its own admins the same cluster view.
      if (nsp.sockets.size === 0) return;
      const update: AdminUpdate = this.view();
      if (appended) update.appended = appended;
      pushToAdmins(nsp, ctx.authenticator, "admin:update", update);
    };
    this.deps.metrics.onChange((change) => {
      if (change.kind === "tick") return send(change.point);
      if (timer || nsp.sockets.size === 0) return;
      timer = setTimeout(() => send(), this.deps.coalesceMs ?? 150);
      timer.unref();
    });
  }
}
