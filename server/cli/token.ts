// `npm run -s token -- --user <name> [--name <label>] [--ttl <seconds>]`: issues an API token for an existing
// user, records it in the configured store (the data folder, or Redis when REDIS_URL is set) so that it can be
// listed and revoked, and prints it alone on stdout.
import { DEFAULT_TOKEN_TTL_S, issueApiToken } from "../auth/api-tokens";
import { userNameSchema } from "../auth/user-store";
import { createTokenRequest } from "@/lib/protocol/tokens";
import { createBackends } from "../backends";
import { ConfigError, loadConfig } from "../config/config";
import { resolveSecret } from "../config/secret";
import { createLogger } from "../logging/logger";
import { parseCliArgs } from "./args";

const USAGE = "usage: npm run -s token -- --user <name> [--name <label>] [--ttl <seconds>]";

async function main() {
  const { values, positionals } = parseCliArgs(process.argv.slice(2), {
    user: { type: "string" },
    name: { type: "string", default: "cli" },
    ttl: { type: "string" },
  });
  if (positionals.length > 0) throw new Error(USAGE);
  const user = userNameSchema.safeParse(values.user);
  if (!user.success) throw new Error(values.user ? user.error.issues[0]!.message : USAGE);
  const label = createTokenRequest.shape.name.safeParse(values.name);
  if (!label.success) throw new Error(`--name: ${label.error.issues[0]!.message}`);
  const ttl = values.ttl === undefined ? DEFAULT_TOKEN_TTL_S : Number(values.ttl);
  const config = loadConfig();
  const maxTtl = config.auth.maxTokenTtlSeconds;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > maxTtl)
    throw new Error(`--ttl must be a whole number of seconds between 60 and ${maxTtl} (API_TOKEN_MAX_DAYS)`);
  const { secret } = await resolveSecret(config);
  const backends = await createBackends(config, createLogger({ level: "warn", stderr: true }));
  try {
    const record = await backends.users.get(user.data);
    if (!record) throw new Error(`no user "${user.data}"; create it with npm run users -- add ${user.data}`);
    const { token } = await issueApiToken({
      secret,
      tokens: backends.tokens,
      user: record,
      name: label.data,
      ttlSeconds: ttl,
      maxTtlSeconds: maxTtl,
      audit: { actor: null, method: "cli" },
    });
    process.stdout.write(`${token}\n`);
  } finally {
    await backends.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `token: ${(err as Error).message}`);
  process.exit(1);
});
