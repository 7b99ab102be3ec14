import type { AuthOptions } from "next-auth";
import type { Authenticator } from "./auth/authenticator";
import type { AppBus } from "./bus";
import type { Backends } from "./backends/types";
import type { Config } from "./config/config";
import type { Router } from "./http/router";
import type { Logger } from "./logging/logger";
import type { Lifecycle } from "./ops/lifecycle";
import type { EventRouter } from "./realtime/event-router";
import type { AppServer } from "./realtime/types";

/**
 * Services that features offer to the features set up after them. A feature adds its own entry by declaration
 * merging (`declare module "../features" { interface Services { boards: BoardService } }`), so this file does not
 * change when a feature is added.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Services {}

/** What every feature gets when it is set up. Features never reach for globals. */
export interface FeatureContext {
  config: Config;
  secret: string;
  logger: Logger;
  backends: Backends;
  authenticator: Authenticator;
  authOptions: AuthOptions;
  router: Router;
  events: EventRouter;
  io: AppServer;
  lifecycle: Lifecycle;
  bus: AppBus;
  services: Partial<Services>;
  /**
   * Runs during draining, after sockets are closed and before Redis is. Hooks run in reverse order of
   * registration, so a feature can rely on the ones set up before it.
   */
  onShutdown(hook: () => Promise<void> | void): void;
}

export interface Feature {
  name: string;
  setup(ctx: FeatureContext): Promise<void> | void;
}

/** The service another feature set up earlier; fails at startup, not at first use, when the order is wrong. */
export function requireService<K extends keyof Services>(ctx: FeatureContext, name: K): Services[K] {
  const service = ctx.services[name];
  if (service === undefined)
    throw new Error(`feature needs the "${String(name)}" service; set up its feature first`);
  return service as Services[K];
}
