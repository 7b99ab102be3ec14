import { defineFeature } from "../features";
import { socketActor } from "../audit/actor";
import type { TaskQueue } from "./queue";
import { createTaskRuntime } from "./runtime";
import { registerTaskHandlers } from "./task.handlers";
import { registerTaskRoutes } from "./task.routes";

declare module "../features" {
  interface Services {
    tasks: TaskQueue;
  }
}

/**
 * Background tasks. The web instance enqueues, lists, cancels and retries; it also processes tasks itself in
 * embedded mode or with WORKERS_INLINE=true. Otherwise `npm run worker` processes run them.
 */
export const tasksFeature = defineFeature({
  name: "tasks",
  needs: ["audit", "boards", "quotas", "notifications"],
  async setup(ctx, { audit, boards, quotas, notifications }) {
    const runtime = await createTaskRuntime({
      config: ctx.config,
      logger: ctx.logger,
      stores: ctx.stores,
      boards,
      notifications,
      broadcaster: ctx.io,
      quotas,
    });
    registerTaskHandlers(ctx.events, {
      queue: runtime.queue,
      boards,
      quotas,
      roleOf: (name) => ctx.authenticator.roleOf(name),
      auditRetry: (socket, task) =>
        audit
          .append({
            ...socketActor(ctx.clientIps, socket),
            action: "task.retry",
            target: { kind: "task", id: task.id },
            details: { owner: task.owner, title: task.title },
          })
          .catch((err: unknown) => ctx.logger.warn({ err }, "audit entry not written")),
    });
    registerTaskRoutes(ctx.router, {
      authenticator: ctx.authenticator,
      boards,
      queue: runtime.queue,
      blobs: runtime.blobs,
      uploadMaxBytes: ctx.config.tasks.uploadMaxBytes,
      quotas,
    });
    if (ctx.config.workersInline)
      await runtime.queue.runWorker(runtime.processor, { concurrency: ctx.config.tasks.concurrency });
    ctx.onShutdown(() => runtime.close());
    return runtime.queue;
  },
});
