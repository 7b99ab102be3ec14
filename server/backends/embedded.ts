import { mkdir } from "node:fs/promises";
import { FileTokenStore } from "../auth/token-store.file";
import { FileUserStore } from "../auth/user-store.file";
import type { Config } from "../config/config";
import type { Backends } from "./types";

/** One process, stores in memory and under the data folder, the in-memory Socket.IO adapter. */
export async function createEmbeddedBackends(config: Pick<Config, "dataDir">): Promise<Backends> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  return {
    mode: "embedded",
    users: new FileUserStore(config.dataDir),
    tokens: new FileTokenStore(config.dataDir),
    health: async () => ({ redis: "disabled" }),
    close: async () => {},
  };
}
