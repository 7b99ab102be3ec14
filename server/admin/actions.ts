import type { AdminHistory, AdminView } from "@/lib/protocol/admin";
import { AppError } from "@/lib/protocol/errors";
import type { FeatureContext } from "../features";
import type { MetricsService } from "../metrics/service";
import type { NotificationService } from "../notifications/service";
import type { RegistryService } from "../registry/registry.feature";
import type { TaskQueue } from "../tasks/queue";
import { Announcer } from "./announce";
import { UserDisconnector } from "./disconnect";
import { socketActor } from "../audit/actor";
import type { AuditLog, AuditRecord } from "../audit/audit-log";
import type { AdminHandlers } from "./events";
import { mayReceiveAdminPush, pushToAdmins, type AdminNamespace, type AdminSocket } from "./namespace";
import { QueueWatch } from "./queue-watch";
import { UsersWatch } from "./users-watch";

declare module "../realtime/types" {
  interface InterServerEvents {
    /** Connection limits changed on another instance: read the users table again. */
    "admin:refresh": () => void;
  }
}

/** The users table is read again this often even when no count changed (a transport upgrade, a replaced tab). */
const USERS_REFRESH_TICKS = 5;

export interface AdminActionDeps {
  ctx: FeatureContext;
  nsp: AdminNamespace;
  metrics: MetricsService;
  view(): AdminView;
  registry: RegistryService;
  queue: TaskQueue;
  notifications: NotificationService;
  audit: AuditLog;
}

/**
 * What each `/admin` event does, and the live views behind them (users table, queue), which follow the metrics'
 * changes: a snapshot (someone connected or left somewhere) re-reads the users, each second re-reads the queue.
 */
export function createAdminHandlers(deps: AdminActionDeps): AdminHandlers {
  const { ctx, nsp, metrics, queue, notifications, audit } = deps;
  const actor = (socket: AdminSocket) => socketActor(ctx.clientIps, socket);
  // The action is done when this runs: a failed audit write is logged, never reported as the action failing.
  const record = (entry: AuditRecord) =>
    audit.append(entry).catch((err: unknown) => ctx.logger.warn({ err, entry }, "audit entry not written"));
  const { registry, limits } = deps.registry;
  const clustered = ctx.backends.mode === "redis";
  const users = new UsersWatch({
    registry,
    limits,
    logger: ctx.logger,
    mayPush: (socket) => mayReceiveAdminPush(ctx.authenticator, socket),
  });
  const queueWatch = new QueueWatch({
    queue,
    push: (stats) => pushToAdmins(nsp, ctx.authenticator, "admin:queue", stats),
    watched: () => nsp.sockets.size > 0,
    logger: ctx.logger,
  });
  const disconnector = new UserDisconnector({
    io: ctx.io,
    registry,
    instanceId: ctx.config.instanceId,
    clustered,
    logger: ctx.logger,
  });
  const announcer = new Announcer({
    io: ctx.io,
    users: ctx.backends.users,
    notifications,
    logger: ctx.logger,
  });
  if (clustered) ctx.io.on("admin:refresh", () => users.invalidate());

  let ticks = 0;
  metrics.onChange((change) => {
    if (change.kind === "snapshot") return users.invalidate();
    queueWatch.tick();
    if (++ticks % USERS_REFRESH_TICKS === 0) users.invalidate();
  });
  ctx.onShutdown(() => users.stop());

  return {
    "admin:history": () => {
      const cluster = metrics.cluster;
      const history: AdminHistory = {
        ...deps.view(),
        points: cluster.points(),
        historySeconds: cluster.historySeconds,
        windowSeconds: cluster.windowSeconds,
      };
      return history;
    },
    "admin:users": (query, { socket }) => users.watch(socket, query),
    "admin:audit": (query) => audit.page(query),
    "admin:queue": () => queueWatch.current(),
    "admin:disconnect-user": async ({ user }, { socket }) => {
      const outcome = await disconnector.disconnect(user, socket.data.user.name);
      users.invalidate();
      await record({
        ...actor(socket),
        action: "admin.disconnect",
        target: { kind: "user", id: user },
        details: { closed: outcome.closed },
      });
      return outcome;
    },
    "admin:announce": async ({ message }, { socket }) => {
      const outcome = await announcer.announce(message, socket.data.user.name);
      await record({
        ...actor(socket),
        action: "admin.announce",
        details: { message, recipients: outcome.recipients },
      });
      return outcome;
    },
    "admin:set-limit": async ({ user, limit }, { socket }) => {
      const entry = { ...actor(socket), action: "limit.set", details: { limit } } as const;
      if (user === undefined)
        await limits.setDefault(limit, { ...entry, target: { kind: "limits", id: "default" } });
      else await limits.setUser(user, limit, { ...entry, target: { kind: "user", id: user } });
      ctx.logger.info({ by: socket.data.user.name, user, limit }, "connection limit changed from the panel");
      users.invalidate();
      if (clustered) ctx.io.serverSideEmit("admin:refresh");
      return { limits: await limits.settings() };
    },
    "admin:retry-task": async ({ taskId }, { socket }) => {
      const before = await queue.get(taskId);
      if (!before) throw new AppError("NOT_FOUND", "no such task; it may have expired");
      if (before.status !== "failed" && before.status !== "cancelled")
        throw new AppError(
          "CONFLICT",
          `the task is ${before.status}; only failed or cancelled tasks can be retried`,
        );
      const task = await queue.retry(taskId);
      if (!task) throw new AppError("NOT_FOUND", "no such task; it may have expired");
      ctx.logger.info({ by: socket.data.user.name, taskId, owner: task.owner }, "task retried by an admin");
      await record({
        ...actor(socket),
        action: "task.retry",
        target: { kind: "task", id: taskId },
        details: { owner: task.owner, title: task.title },
      });
      void queueWatch.refresh({ failed: true }).catch(() => undefined);
      return { task };
    },
  };
}
