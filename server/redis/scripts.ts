import type { RedisClient } from "./connection";
import type { RedisKeys } from "./keys";

type ScriptFn = (...args: never[]) => Promise<unknown>;

/** A Lua script with its number of KEYS; without one, each call passes the number of keys first. */
export interface ScriptSpec<F extends ScriptFn> {
  lua: string;
  keys?: number;
  /** Only carries the call signature's type. */
  readonly signature?: F;
}

/** Declares a script and the signature it is called with (KEYS first, then ARGV). */
export function script<F extends ScriptFn>(keys: number | undefined, lua: string): ScriptSpec<F> {
  return keys === undefined ? { lua } : { lua, keys };
}

export type Scripts<T extends Record<string, ScriptSpec<ScriptFn>>> = {
  [K in keyof T]: T[K] extends ScriptSpec<infer F> ? F : never;
};

/**
 * Defines scripts on a client, once per client, and returns them as typed functions. ioredis runs them with
 * EVALSHA and loads them again after a Redis restart (NOSCRIPT). Names are fixed by the code, never by input, and
 * share one namespace per client: prefix them with the store's name.
 */
export function defineScripts<T extends Record<string, ScriptSpec<ScriptFn>>>(
  redis: RedisClient,
  specs: T,
): Scripts<T> {
  const client = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const bound = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  for (const [name, { lua, keys }] of Object.entries(specs)) {
    if (!Object.hasOwn(client, name)) {
      redis.defineCommand(name, keys === undefined ? { lua } : { lua, numberOfKeys: keys });
    }
    bound.set(name, (...args) => client[name]!(...args));
  }
  return Object.fromEntries(bound) as unknown as Scripts<T>;
}

/** A store whose atomic steps are Lua scripts: the client, the key builder and its typed scripts. */
export abstract class ScriptedRedisStore<T extends Record<string, ScriptSpec<ScriptFn>>> {
  protected readonly scripts: Scripts<T>;

  protected constructor(
    protected readonly redis: RedisClient,
    protected readonly keys: RedisKeys,
    specs: T,
  ) {
    this.scripts = defineScripts(redis, specs);
  }
}
