import type { Config } from "../config/config";
import type { Logger } from "../logging/logger";
import { createEmbeddedBackends } from "./embedded";
import { createRedisBackends } from "./redis";
import type { Backends } from "./types";

export type { Backends, FeatureStores } from "./types";

export function createBackends(config: Config, logger: Logger): Promise<Backends> {
  return config.mode === "redis"
    ? createRedisBackends(config, logger)
    : createEmbeddedBackends(config, logger);
}
