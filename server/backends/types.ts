import type { ServerOptions } from "socket.io";
import type { TokenStore } from "../auth/token-store";
import type { UserStore } from "../auth/user-store";
import type { RedisClient } from "../redis/connection";
import type { RedisKeys } from "../redis/keys";

export type DependencyStatus = "up" | "down" | "disabled";

export interface RedisConnections {
  /** Commands from request handlers; fails fast while Redis is away. */
  command: RedisClient;
  /** The Socket.IO adapter's publisher and subscriber. */
  pub: RedisClient;
  sub: RedisClient;
  keys: RedisKeys;
}

/**
 * Everything that differs between embedded and Redis mode sits behind this. Features receive stores from here
 * and never ask which mode they run in.
 */
export interface Backends {
  mode: "embedded" | "redis";
  users: UserStore;
  tokens: TokenStore;
  /** Present in Redis mode. */
  redis?: RedisConnections;
  /** The Socket.IO adapter; undefined means the in-memory adapter. */
  adapter?: ServerOptions["adapter"];
  health(): Promise<{ redis: DependencyStatus }>;
  close(): Promise<void>;
}
