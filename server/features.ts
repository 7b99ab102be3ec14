import type { AuthOptions } from "next-auth";
import type { Authenticator } from "./auth/authenticator";
import type { SignInThrottle } from "./auth/throttle";
import type { AppBus } from "./bus";
import type { Backends, FeatureStores } from "./backends/types";
import type { Config } from "./config/config";
import type { ClientIpResolver } from "./http/client-ip";
import type { Router } from "./http/router";
import type { Logger } from "./logging/logger";
import type { Lifecycle } from "./ops/lifecycle";
import type { EventRouter } from "./realtime/event-router";
import type { AppServer } from "./realtime/types";

/**
 * What each feature offers the features that need it, by feature name: what its `setup` returns. A feature adds
 * its own entry by declaration merging (`declare module "../features" { interface Services { boards: BoardService } }`),
 * so this file does not change when a feature is added.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Services {}

export type ServiceName = keyof Services;

/** What every feature gets when it is set up. Features never reach for globals. */
export interface FeatureContext {
  config: Config;
  secret: string;
  logger: Logger;
  backends: Backends;
  /** This backend's stores: chosen in `server/backends/`, never by a feature. */
  stores: FeatureStores;
  authenticator: Authenticator;
  authOptions: AuthOptions;
  signInThrottle: SignInThrottle;
  /** Who the client is follows one rule everywhere (TRUSTED_PROXIES, see http/client-ip.ts). */
  clientIps: ClientIpResolver;
  router: Router;
  events: EventRouter;
  io: AppServer;
  lifecycle: Lifecycle;
  bus: AppBus;
  /**
   * Runs during draining, after sockets are closed and before Redis is. Hooks run in reverse order of
   * registration, so a feature can rely on the ones set up before it.
   */
  onShutdown(hook: () => Promise<void> | void): void;
}

/** What a feature named `N` must return from setup: its entry in `Services`, or nothing. */
export type Provides<N extends string> = N extends ServiceName ? Services[N] : void;

/** The one shape of a feature. Build it with `defineFeature`. */
export interface Feature {
  readonly name: string;
  /** Features that must be set up before this one; their services are handed to `setup`. */
  readonly needs: readonly string[];
  setup(ctx: FeatureContext, needs: Partial<Services>): Promise<unknown> | unknown;
}

export interface FeatureDefinition<N extends string, D extends ServiceName> {
  name: N;
  needs?: readonly D[];
  setup(ctx: FeatureContext, needs: Pick<Services, D>): Promise<Provides<N>> | Provides<N>;
}

/**
 * Declares a feature, as fastify-plugin declares a plugin: its name, the features it needs (their services arrive
 * typed in `setup`'s second argument) and its setup, which returns the feature's own service. The list a server
 * runs is checked before anything is set up (`checkFeatures`).
 */
export function defineFeature<N extends string, D extends ServiceName = never>(
  def: FeatureDefinition<N, D>,
): Feature {
  return {
    name: def.name,
    needs: def.needs ?? [],
    setup: (ctx, needs) => def.setup(ctx, needs as Pick<Services, D>),
  };
}

/**
 * Fails, naming the features concerned, unless every feature's name is unique and everything it needs is listed
 * before it, with no cycle among them. Runs before any feature is set up.
 */
export function checkFeatures(features: readonly Feature[]): void {
  const position = new Map<string, number>();
  for (const [i, feature] of features.entries()) {
    if (position.has(feature.name)) throw new Error(`feature "${feature.name}" is listed twice`);
    position.set(feature.name, i);
  }
  const byName = new Map(features.map((f) => [f.name, f]));
  for (const feature of features) {
    for (const need of feature.needs) {
      if (!byName.has(need))
        throw new Error(`feature "${feature.name}" needs "${need}", which is not in the feature list`);
    }
  }
  const cycle = findCycle(byName);
  if (cycle)
    throw new Error(`features need each other in a cycle: ${cycle.map((n) => `"${n}"`).join(" → ")}`);
  for (const feature of features) {
    for (const need of feature.needs) {
      if (position.get(need)! > position.get(feature.name)!)
        throw new Error(
          `feature "${feature.name}" needs "${need}", which is set up after it; list "${need}" before "${feature.name}"`,
        );
    }
  }
}

/** A path a → b → … → a through `needs`, if there is one. */
function findCycle(byName: ReadonlyMap<string, Feature>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name)) return undefined;
    path.push(name);
    for (const need of byName.get(name)?.needs ?? []) {
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(name);
    return undefined;
  };
  for (const name of byName.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Checks the list, then sets each feature up in order, handing it the services of the features it needs.
 * Resolves with every service, by feature name. `onSetup` learns which feature is being set up (for the
 * shutdown hooks it registers).
 */
export async function setUpFeatures(
  features: readonly Feature[],
  ctx: FeatureContext,
  onSetup: (name: string) => void = () => {},
): Promise<Partial<Services>> {
  checkFeatures(features);
  const services = new Map<string, unknown>();
  for (const feature of features) {
    onSetup(feature.name);
    const needs: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const need of feature.needs) needs[need] = services.get(need);
    const service = await feature.setup(ctx, needs as Partial<Services>);
    if (service !== undefined) services.set(feature.name, service);
  }
  return Object.assign(Object.create(null) as object, Object.fromEntries(services)) as Partial<Services>;
}
