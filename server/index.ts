import { createApplication } from "./app";
import { prepareUsers } from "./auth/demo-users";
import { createBackends } from "./backends";
import { readConfigOrExit } from "./config/read";
import { resolveSecret } from "./config/secret";
import { allFeatures } from "./feature-list";
import { createLogger } from "./logging/logger";
import { createNextPages } from "./next/pages";
import { installProcessGuards } from "./ops/process-guards";
import { handleSignals } from "./ops/signals";

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = createLogger({
    level: config.logLevel,
    pretty: config.dev,
    base: { instance: config.instanceId },
  });
  installProcessGuards(logger);

  const { secret, generated } = await resolveSecret(config);
  if (generated)
    logger.warn(
      { dataDir: config.dataDir },
      "AUTH_SECRET is not set; generated one and kept it in the data folder",
    );
  // next-auth's proxy guard and URL building read these from the environment of this same process.
  process.env.NEXTAUTH_SECRET = secret;
  process.env.NEXTAUTH_URL = config.publicUrl;

  const backends = await createBackends(config, logger);
  await prepareUsers(backends.users, logger, config.seedDemoUsers);

  const pages = config.pages
    ? await createNextPages({ dev: config.dev, dir: process.cwd(), hostname: config.host, port: config.port })
    : undefined;
  const app = await createApplication({ config, secret, logger, backends, pages, features: allFeatures() });
  const address = await app.listen(config.port, config.host);

  handleSignals({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    shutdown: async () => {
      const drainMs = Math.min(5_000, config.shutdownTimeoutMs / 3);
      // What is left after draining, less about three seconds for closing connections and Redis clients.
      await app.close({ drainMs, hooksMs: Math.max(1_000, config.shutdownTimeoutMs - drainMs - 3_000) });
      await backends.close();
    },
  });
  logger.info(
    { url: config.publicUrl, port: address.port, mode: config.mode, instanceId: config.instanceId },
    `Pulseboard ready on ${config.publicUrl} (${config.mode} mode)`,
  );
}

main().catch((err: unknown) => {
  console.error(`Pulseboard failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
