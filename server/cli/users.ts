// `npm run users -- add <name> [--admin] [--password-stdin]` and `npm run users -- list`, against the configured
// store: the data folder in embedded mode, Redis when REDIS_URL is set.
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { hashPassword } from "../auth/passwords";
import { UserExistsError, userNameSchema } from "../auth/user-store";
import { createBackends } from "../backends";
import { ConfigError, loadConfig } from "../config/config";
import { createLogger } from "../logging/logger";
import { parseArgs, readStdin } from "./args";

const USAGE = `usage:
  npm run users -- add <name> [--admin] [--password-stdin]
  npm run users -- passwd <name> [--password-stdin]
  npm run users -- list`;

/** Reads a password from the terminal without echoing it. */
async function promptPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error("no terminal to prompt on; pass --password-stdin");
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

async function readPassword(fromStdin: boolean): Promise<string> {
  const password = fromStdin ? (await readStdin()).replace(/\r?\n$/, "") : await promptPassword("Password: ");
  if (password.length < 8) throw new Error("the password must be at least 8 characters");
  if (password.length > 1024) throw new Error("the password must be at most 1024 characters");
  if (!fromStdin && (await promptPassword("Repeat password: ")) !== password)
    throw new Error("the passwords do not match");
  return password;
}

async function main() {
  const { positional, switches } = parseArgs(process.argv.slice(2), {
    values: [],
    switches: ["admin", "password-stdin"],
  });
  const [command, rawName] = positional;
  if (!command || !["add", "passwd", "list"].includes(command)) throw new Error(USAGE);
  const config = loadConfig();
  const logger = createLogger({ level: "warn", stderr: true });
  const backends = await createBackends(config, logger);
  try {
    if (command === "list") {
      for (const u of await backends.users.list())
        console.log(`${u.name}\t${u.role}\t${new Date(u.createdAt).toISOString()}`);
      return;
    }
    const name = userNameSchema.safeParse(rawName);
    if (!name.success) throw new Error(rawName ? name.error.issues[0]!.message : USAGE);
    const passwordHash = await hashPassword(await readPassword(switches.has("password-stdin")));
    if (command === "add") {
      const role = switches.has("admin") ? "admin" : "user";
      await backends.users.create({ name: name.data, role, passwordHash, createdAt: Date.now() });
      console.error(`created ${role} "${name.data}" in the ${backends.mode} store`);
    } else {
      if (!(await backends.users.setPassword(name.data, passwordHash)))
        throw new Error(`no user "${name.data}"`);
      console.error(`changed the password of "${name.data}"`);
    }
  } finally {
    await backends.close();
  }
}

main().catch((err: unknown) => {
  const message =
    err instanceof ConfigError || err instanceof UserExistsError ? err.message : (err as Error).message;
  console.error(message.startsWith("usage") ? message : `users: ${message}`);
  process.exit(1);
});
