import { ConfigError, loadConfig, type Config } from "./config";

/** For entry points: the config, or one line naming the bad variable and exit 1. */
export function readConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
