// `npm run users -- add|password|set-role|remove|list ...` against the configured store: the data folder in
// embedded mode, Redis when REDIS_URL is set. See USAGE.
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { hashPassword } from "../auth/passwords";
import { UserExistsError, roleSchema, userNameSchema } from "../auth/user-store";
import { createBackends } from "../backends";
import { ConfigError, loadConfig } from "../config/config";
import { createLogger } from "../logging/logger";
import { parseCliArgs, readStdin } from "./args";

const USAGE = `usage:
  npm run users -- add <name> [--admin] [--password-stdin]
  npm run users -- password <name> [--password-stdin]
  npm run users -- set-role <name> admin|user
  npm run users -- remove <name>
  npm run users -- list`;

/** `passwd` is the older spelling of `password`. */
const COMMANDS = new Set(["add", "password", "passwd", "set-role", "remove", "list"]);

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
  const { positionals, values } = parseCliArgs(process.argv.slice(2), {
    admin: { type: "boolean", default: false },
    "password-stdin": { type: "boolean", default: false },
  });
  const [command, rawName, rawRole, ...rest] = positionals;
  if (!command || !COMMANDS.has(command) || rest.length > 0) throw new Error(USAGE);
  if (values.admin && command !== "add")
    throw new Error("--admin goes with add; use set-role to change a role");
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
    const user = name.data;
    // Every change to who someone is or what they may do ends their sessions and API tokens: the epoch moves
    // (sessions), the token records go, and the servers close the open sockets within seconds.
    const byCli = { actor: null, method: "cli" } as const;
    const revoke = async (reason: "role" | "password" | "removed") => {
      const tokens = await backends.tokens.revokeAllFor(user, {
        ...byCli,
        action: "token.revoke",
        target: { kind: "user", id: user },
        details: { reason },
      });
      console.error(`ended the sessions of "${user}" and revoked ${tokens} API token(s)`);
    };
    if (command === "set-role") {
      const role = roleSchema.safeParse(rawRole);
      if (!role.success) throw new Error("usage: npm run users -- set-role <name> admin|user");
      const before = await backends.users.get(user);
      if (!before) throw new Error(`no user "${user}"`);
      const audit = { ...byCli, action: "user.role", target: { kind: "user", id: user } } as const;
      if (!(await backends.users.setRole(user, role.data, audit))) throw new Error(`no user "${user}"`);
      console.error(`"${user}" is now ${role.data === "admin" ? "an admin" : "a user"}`);
      if (before.role !== role.data) await revoke("role");
      return;
    }
    if (rawRole !== undefined) throw new Error(USAGE);
    if (command === "remove") {
      if (!(await backends.users.remove(user))) throw new Error(`no user "${user}"`);
      console.error(`removed "${user}"`);
      await revoke("removed");
      return;
    }
    if (command !== "add" && !(await backends.users.get(user))) throw new Error(`no user "${user}"`);
    const passwordHash = await hashPassword(await readPassword(values["password-stdin"]));
    if (command === "add") {
      const role = values.admin ? "admin" : "user";
      await backends.users.create({ name: user, role, passwordHash, createdAt: Date.now() }, byCli);
      console.error(`created ${role} "${user}" in ${backends.database.where}`);
    } else {
      const audit = { ...byCli, action: "user.password", target: { kind: "user", id: user } } as const;
      if (!(await backends.users.setPassword(user, passwordHash, audit)))
        throw new Error(`no user "${user}"`);
      console.error(`changed the password of "${user}"`);
      await revoke("password");
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
