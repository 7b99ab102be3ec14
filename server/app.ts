import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from "node:http";
import { AsyncLocalStorage } from "node:async_hooks";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { Authenticator } from "./auth/authenticator";
import { registerAuthRoutes } from "./auth/auth.routes";
import { createAuthOptions, type AuthRequestContext } from "./auth/next-auth-options";
import type { Backends } from "./backends/types";
import type { Config } from "./config/config";
import { setUpFeatures, type Feature, type FeatureContext, type Services } from "./features";
import { toErrorBody } from "./errors";
import { ClientIpResolver } from "./http/client-ip";
import { sendError } from "./http/respond";
import { Router } from "./http/router";
import { applySecurityHeaders, securityHeaders } from "./http/security-headers";
import type { Logger } from "./logging/logger";
import { registerHealthRoutes } from "./ops/health.routes";
import { Lifecycle } from "./ops/lifecycle";
import { registerMetaRoutes } from "./ops/meta.routes";
import { createSignInThrottle } from "./auth/throttle";
import { AppBus } from "./bus";
import { writeBroadcastsDirectly } from "./realtime/direct-broadcast";
import { EventRouter } from "./realtime/event-router";
import { handshakeMiddleware } from "./realtime/handshake";
import { startOutboundCap, type OutboundCap } from "./realtime/outbound-cap";
import { rateLimitHooks } from "./realtime/rate-limit";
import { ExpiryScheduler, startCredentialSweep } from "./realtime/session-expiry";
import { joinAllBroadcastFrames } from "./realtime/single-write-frames";
import { keepSlimRequests } from "./realtime/slim-request";
import { registerSystemHandlers } from "./realtime/system.handlers";
import { userRoom, type AppServer, type AppSocket } from "./realtime/types";
import { settleWithin } from "./util/settle-within";

/** How long each feature may take to shut down before the rest goes on without it. */
const SHUTDOWN_HOOK_MS = 5_000;

/** Serves whatever the custom server does not: Next's pages in production and dev, nothing in tests. */
export interface PageHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  close?(): Promise<void>;
}

export interface ApplicationDeps {
  config: Config;
  secret: string;
  logger: Logger;
  backends: Backends;
  pages?: PageHandler;
  features?: Feature[];
}

export interface Application {
  httpServer: HttpServer;
  io: AppServer;
  router: Router;
  events: EventRouter;
  lifecycle: Lifecycle;
  bus: AppBus;
  /** OUTBOUND_BUFFER_MAX_BYTES per socket; tests run its sweep by hand. */
  outboundCap: OutboundCap;
  context: FeatureContext;
  /** What each feature's setup returned, by feature name. */
  services: Partial<Services>;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Drains and closes everything except the process; see `ops/shutdown.ts`. */
  /**
   * `drainMs` spreads the disconnects; `hooksMs` bounds the features' shutdown altogether (each also gets at most
   * five seconds), so that the process finishes within its own shutdown timeout.
   */
  close(opts?: { drainMs?: number; hooksMs?: number }): Promise<void>;
}

export async function createApplication(deps: ApplicationDeps): Promise<Application> {
  const { config, logger, backends, secret } = deps;
  const lifecycle = new Lifecycle();
  const router = new Router(logger, { allowedOrigins: config.allowedOrigins });
  const events = new EventRouter(logger);
  const authenticator = new Authenticator(secret, config.publicUrl, {
    users: backends.users,
    tokens: backends.tokens,
    recheckMs: config.auth.recheckMs,
  });
  const clientIps = new ClientIpResolver(config.trustedProxies);
  const signInThrottle = createSignInThrottle({
    limits: config.signIn,
    redis: backends.redis?.command,
    keyPrefix: config.redis.keyPrefix,
    logger,
  });
  // next-auth hands `authorize` the request's headers object but not its socket: this remembers whose it is.
  const requestIps = new WeakMap<IncomingHttpHeaders, string>();
  // Its OAuth callbacks get no request at all: the address of the auth request being handled is kept here.
  const authRequest = new AsyncLocalStorage<AuthRequestContext>();
  const authOptions = createAuthOptions({
    users: backends.users,
    secret,
    logger,
    throttle: signInThrottle,
    clientIp: (h) => (h && typeof h === "object" ? requestIps.get(h as IncomingHttpHeaders) : undefined),
    currentRequest: () => authRequest.getStore(),
    audit: backends.audit,
    failureAuditWindowS: Math.max(config.signIn.blockS, config.signIn.ipWindowS),
    passwords: config.signInMethods.passwords,
    oidc: config.signInMethods.oidc,
    publicUrl: config.publicUrl,
    // The new session carries the new epoch: forget the old one at once, and re-check the user's open sockets.
    onRoleChanged: (name) => {
      authenticator.forget({ user: name });
      bus.emit("auth:revoked");
    },
  });
  const headers = securityHeaders({ dev: config.dev, https: config.publicUrl.startsWith("https:") });
  const bus = new AppBus();

  const httpServer = createServer((req, res) => {
    applySecurityHeaders(res, headers);
    requestIps.set(req.headers, clientIps.of(req));
    router
      .handle(req, res)
      .then((handled) => {
        if (handled) return;
        if (deps.pages) return deps.pages.handle(req, res);
        sendError(res, { code: "NOT_FOUND", message: "not found" });
      })
      .catch((err: unknown) => {
        const body = toErrorBody(err, (e) => logger.error({ err: e, url: req.url }, "request failed"));
        if (!res.headersSent) sendError(res, body);
        else res.destroy();
      });
  });
  // Slow clients must not hold sockets forever; WebSocket upgrades are exempt from these.
  httpServer.headersTimeout = 20_000;
  httpServer.requestTimeout = 60_000;

  const io: AppServer = new Server(httpServer, {
    adapter: backends.adapter,
    cors: { origin: config.allowedOrigins, credentials: true },
    maxHttpBufferSize: config.maxMessageBytes,
    // Next's dev server shares the upgrade event for hot reload; engine.io must leave other paths alone.
    destroyUpgrade: false,
    serveClient: false,
    // Board ops are a few hundred bytes: deflate would cost more CPU than it saves, and with it off a broadcast's
    // WebSocket frame is built once and shared by every recipient. Polling compresses only large responses.
    perMessageDeflate: false,
    httpCompression: { threshold: 4096 },
  });
  keepSlimRequests(io);
  joinAllBroadcastFrames(io);
  writeBroadcastsDirectly(io);

  io.use(
    handshakeMiddleware({
      authenticator,
      allowedOrigins: config.allowedOrigins,
      isDraining: () => lifecycle.draining,
      logger,
      onReject: (code) => bus.emit("handshake:rejected", code),
    }),
  );

  const shutdownHooks: { feature: string; hook: () => Promise<void> | void }[] = [];
  let settingUp = "app";
  const context: FeatureContext = {
    config,
    secret,
    logger,
    backends,
    authenticator,
    authOptions,
    router,
    events,
    io,
    lifecycle,
    bus,
    stores: await backends.stores(),
    signInThrottle,
    clientIps,
    onShutdown: (hook) => shutdownHooks.push({ feature: settingUp, hook }),
  };

  registerHealthRoutes(router, { instanceId: config.instanceId, mode: backends.mode, lifecycle, backends });
  registerMetaRoutes(router, {
    mode: backends.mode,
    demoUsers: config.seedDemoUsers,
    production: config.env === "production",
    users: backends.users,
    signIn: config.signInMethods,
  });
  registerAuthRoutes(router, {
    options: authOptions,
    authenticator,
    secret,
    tokens: backends.tokens,
    maxTokenTtlSeconds: config.auth.maxTokenTtlSeconds,
    allowedOrigins: config.allowedOrigins,
    logger,
    onRevoked: () => bus.emit("auth:revoked"),
    clientIps,
    withAuthRequest: (request, fn) => authRequest.run(request, fn),
  });
  // Sockets whose credential was revoked, whose user was removed or changed password or role, are closed within
  // about two AUTH_RECHECK_MS, wherever the change was made (another instance, the CLI).
  const sweep = startCredentialSweep({
    namespaces: [{ nsp: io.of("/"), requireAdmin: false }],
    prefetch: (principals) => authenticator.prefetch(principals),
    recheck: (principal) => authenticator.recheck(principal),
    intervalMs: config.auth.recheckMs,
    logger,
  });
  bus.on("auth:revoked", () => void sweep.sweep().catch(() => undefined));
  registerSystemHandlers(events, { instanceId: config.instanceId });
  events.use(
    rateLimitHooks({
      ratePerSecond: config.rateLimit.eventsPerSecond,
      burst: config.rateLimit.burst,
      disconnectAfter: config.rateLimit.burst * 2,
      exempt: new Set(["board:cursor"]),
      onDisconnect: (socket) => {
        bus.emit("socket:flooding", socket.data.user.name);
        logger.warn(
          { user: socket.data.user.name, connectionId: socket.data.connectionId },
          "disconnected a flooding socket",
        );
      },
      onLimited: (socket, event) => bus.emit("event:rate-limited", socket.data.user.name, event),
    }),
  );

  // A socket that stops reading must not grow this process without bound.
  const outboundCap = startOutboundCap({
    io,
    maxBytes: config.outboundBufferMaxBytes,
    logger,
    onDrop: (socket) => bus.emit("socket:slow", socket.data.user.name, "dropped"),
    onDisconnect: (socket) => bus.emit("socket:slow", socket.data.user.name, "disconnected"),
  });

  const services = await setUpFeatures(deps.features ?? [], context, (name) => (settingUp = name));

  // Registered after the features' middlewares, so a socket that reaches here has been admitted by all of them.
  // Listeners shared by every socket (Socket.IO calls them with the socket as `this`): nothing allocated per socket.
  const expiry = new ExpiryScheduler();
  // A client can emit an event named "error" with any payload; it arrives here, so trust nothing about it.
  const onError = function (this: AppSocket, err: unknown) {
    logger.debug(
      {
        err: err instanceof Error ? err.message : "client sent an error event",
        connectionId: this.data.connectionId,
      },
      "socket error",
    );
  };
  const onDisconnect = function (this: AppSocket, reason: string) {
    logger.debug(
      { user: this.data.user.name, connectionId: this.data.connectionId, reason },
      "socket disconnected",
    );
  };
  io.on("connection", (socket) => {
    const { user, connectionId } = socket.data;
    void socket.join(userRoom(user.name));
    events.attach(socket);
    expiry.add(socket);
    logger.debug(
      { user: user.name, connectionId, transport: socket.conn.transport.name },
      "socket connected",
    );
    socket.on("error", onError);
    socket.on("disconnect", onDisconnect);
  });

  let closing: Promise<void> | undefined;
  return {
    httpServer,
    io,
    router,
    events,
    lifecycle,
    bus,
    outboundCap,
    context,
    services,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          resolve(httpServer.address() as AddressInfo);
        });
      });
    },
    close(opts) {
      closing ??= (async () => {
        lifecycle.startDraining();
        sweep.stop();
        // This instance's own sockets, read locally: fetchSockets() asks the adapter for a server count first, a
        // Redis round trip that can fail while Redis or a Cluster shard is away, exactly when draining matters.
        const sockets = [...io.of("/").sockets.values()];
        const notice = {
          kind: "draining" as const,
          message: "This server is restarting; reconnecting you elsewhere.",
          at: Date.now(),
        };
        io.local.emit("system:notice", notice);
        // Spread disconnects so that clients do not all reconnect to the remaining instances at once. None comes
        // in the first tenth of the spread: readiness has been 503 for that long before any socket is closed.
        const spread = opts?.drainMs ?? 0;
        const grace = spread / 10;
        await Promise.all(
          sockets.map(
            (s) =>
              new Promise<void>((resolve) => {
                setTimeout(
                  () => {
                    s.disconnect(true);
                    resolve();
                  },
                  grace + Math.random() * (spread - grace),
                );
              }),
          ),
        );
        // Kept on while draining: a stalled socket waiting for its turn to close still must not grow.
        outboundCap.stop();
        expiry.stop();
        const hooksDeadline = Date.now() + (opts?.hooksMs ?? 15_000);
        for (const { feature, hook } of shutdownHooks.reverse()) {
          // A hook that waits on a Redis shard that is failing over must not hold the process past its grace period.
          const budget = Math.max(0, Math.min(SHUTDOWN_HOOK_MS, hooksDeadline - Date.now()));
          const outcome = await settleWithin(Promise.resolve().then(hook), budget);
          if (outcome === "timeout")
            logger.warn({ feature }, `shutdown hook still running after ${budget} ms; going on`);
          else if (outcome !== "ok") logger.warn({ feature, err: outcome.error }, "shutdown hook failed");
        }
        // io.close() also closes the HTTP server, which waits for open connections: idle ones go now, busy
        // ones get two seconds to finish their request.
        const closed = io.close();
        httpServer.closeIdleConnections();
        const force = setTimeout(() => httpServer.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(force);
        await deps.pages?.close?.();
      })();
      return closing;
    },
  };
}
