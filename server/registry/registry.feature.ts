import { defineFeature } from "../features";
import { admissionMiddleware } from "./admission";
import { RegistryAgent } from "./agent";
import { ConnectionCloser, closeWithNotice } from "./close";
import type { LimitStore } from "./limits";
import { registerLimitRoutes } from "./limits.routes";
import { registerRegistryRoutes } from "./registry.routes";
import { registerSessionRoutes } from "./sessions.routes";
import type { ConnectionRegistry } from "./types";

/** What the registry feature offers other parts of the server once set up (e.g. an admin panel). */
export interface RegistryService {
  registry: ConnectionRegistry;
  limits: LimitStore;
  closer: ConnectionCloser;
  agent: RegistryAgent;
}

declare module "../features" {
  interface Services {
    registry: RegistryService;
  }
}

/**
 * The connection registry: a per-user connection limit held atomically across all instances, instance leases
 * so that a crashed instance's connections expire by themselves, the release of this instance's entries when
 * it drains, the user's sessions API and the admin limits API.
 */
export const registryFeature = defineFeature({
  name: "registry",
  setup(ctx) {
    const { registry, limits } = ctx.stores;
    const agent = new RegistryAgent({
      registry,
      instance: { instanceId: ctx.config.instanceId, startedAt: ctx.lifecycle.startedAt },
      logger: ctx.logger,
      onMissing: (sockets) => {
        ctx.logger.info({ count: sockets.length }, "closing sockets whose registry entries are gone");
        for (const socket of sockets)
          closeWithNotice(socket, {
            kind: "info",
            message: "This connection's registration lapsed; reconnecting.",
            at: Date.now(),
          });
      },
    });
    const closer = new ConnectionCloser(ctx.io, agent, ctx.backends.mode === "redis");

    ctx.io.use(
      admissionMiddleware({
        registry,
        limits,
        agent,
        isDraining: () => ctx.lifecycle.draining,
        logger: ctx.logger,
        onReject: (code) => ctx.bus.emit("handshake:rejected", code),
        closeReplaced: (ref) => closer.close(ref, "replaced"),
        clientIps: ctx.clientIps,
      }),
    );
    // Socket.IO removes a socket from its rooms on every way out, including refusals by later middlewares
    // and clients gone during the handshake, which emit no disconnect event. An admitted socket is in its own
    // room (its id, the connection id) from admission on, so leaving that room releases its slot.
    ctx.io.sockets.adapter.on("leave-room", (room: unknown, id: unknown) => {
      if (typeof room === "string" && room === id) void agent.release(room);
    });

    // What the user's sessions list tells about each session: the page its tab has open, and its last event
    // (not the automatic pings, which every open tab sends).
    ctx.events.handle("session:place", (place, { socket }) => {
      socket.data.place = place;
      return {};
    });
    // A hook of the event router, which sees every event a socket sends: no listener per socket.
    ctx.events.use({
      after(socket, event) {
        if (event !== "system:ping" && event !== "metrics:report") socket.data.lastActiveAt = Date.now();
      },
    });

    registerSessionRoutes(ctx.router, {
      authenticator: ctx.authenticator,
      allowedOrigins: ctx.config.allowedOrigins,
      registry,
      limits,
      closer,
      io: ctx.io,
      logger: ctx.logger,
    });
    registerRegistryRoutes(ctx.router, { authenticator: ctx.authenticator, registry });
    registerLimitRoutes(ctx.router, {
      authenticator: ctx.authenticator,
      allowedOrigins: ctx.config.allowedOrigins,
      limits,
      logger: ctx.logger,
      clientIps: ctx.clientIps,
    });

    agent.start();
    // Runs after the drain closed every socket: waits for their releases, then drops the lease and leftovers.
    ctx.onShutdown(() => agent.stop());
    const service: RegistryService = { registry, limits, closer, agent };
    return service;
  },
});
