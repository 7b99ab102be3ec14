// `npm run -s token -- --user <name> [--role admin] [--ttl <seconds>]`: prints a signed API token alone on stdout.
// It needs only the secret (AUTH_SECRET, or the one kept in the data folder), not the server or Redis.
import { DEFAULT_TOKEN_TTL_S, mintApiToken } from "../auth/api-tokens";
import { roleSchema, userNameSchema } from "../auth/user-store";
import { ConfigError, loadConfig } from "../config/config";
import { resolveSecret } from "../config/secret";
import { parseArgs } from "./args";

const USAGE = "usage: npm run -s token -- --user <name> [--role user|admin] [--ttl <seconds>]";

async function main() {
  const { values } = parseArgs(process.argv.slice(2), { values: ["user", "role", "ttl"], switches: [] });
  const name = userNameSchema.safeParse(values.user);
  if (!name.success) throw new Error(values.user ? name.error.issues[0]!.message : USAGE);
  const role = roleSchema.safeParse(values.role ?? "user");
  if (!role.success) throw new Error("--role must be user or admin");
  const ttl = values.ttl === undefined ? DEFAULT_TOKEN_TTL_S : Number(values.ttl);
  const config = loadConfig();
  const { secret } = await resolveSecret(config);
  const { token } = await mintApiToken(secret, { name: name.data, role: role.data }, ttl);
  process.stdout.write(`${token}\n`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `token: ${(err as Error).message}`);
  process.exit(1);
});
