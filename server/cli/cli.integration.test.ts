import { SYSTEM_ACTOR } from "../audit/audit-log";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiToken } from "../auth/api-tokens";
import { openDatabase } from "../db/open";
import { eventually } from "../metrics/test-helpers";
import { runCli } from "../testing/cli";
import { connect, connectOk } from "../testing/clients";
import { TEST_SECRET, startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { tempDir } from "../testing/temp-dir";
import { databaseFor } from "../testing/test-database";

/** A command-line tool's run; `command` defaults to tsx. */
const run = (args: string[], env: Record<string, string>, stdin?: string, command?: string) =>
  runCli(args, env, stdin, command);

// Each test spawns CLIs, which take seconds each on a busy two-core machine.
describe("command-line tools", { timeout: 180_000 }, () => {
  let redis: TestRedisServer;
  let server: TestInstance;
  beforeAll(async () => {
    redis = await TestRedisServer.start();
    server = await startInstance({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
  });

  // The CLIs reach the server's stores: its Redis and its PostgreSQL database.
  const redisEnv = async () => ({
    REDIS_URL: redis.url,
    AUTH_SECRET: TEST_SECRET,
    REDIS_KEY_PREFIX: "pbtest",
    DATABASE_URL: await databaseFor(redis.url),
  });

  it("prints a token alone on stdout with the README's command, and that token connects", async () => {
    // The command exactly as the README shows it: `TOKEN=$(npm run -s token -- --user alice --ttl 3600)`.
    const readme = await readFile("README.md", "utf8");
    const command = /TOKEN=\$\((npm run -s token -- [^)]+)\)/.exec(readme)?.[1];
    expect(command).toBe("npm run -s token -- --user alice --ttl 3600");
    const [npm, ...args] = command!.split(" ");
    await server.backends.users.create(
      { name: "alice", role: "user", passwordHash: "-", createdAt: 0 },
      SYSTEM_ACTOR,
    );
    const out = await run(args, await redisEnv(), undefined, npm);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = out.stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as {
      exp: number;
      iat: number;
    };
    expect(claims.exp - claims.iat).toBe(3600);
    const outcome = await connect(server.url, { token });
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect(await outcome.socket.emitWithAck("session:info", {})).toMatchObject({
        user: { name: "alice", role: "user" },
      });
      outcome.socket.close();
    }
  });

  it("uses the secret kept in the data folder when AUTH_SECRET is unset, for existing users only", async () => {
    const dir = await tempDir();
    try {
      const env = { DATA_DIR: dir.path };
      const missing = await run(["server/cli/token.ts", "--user", "dave"], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('no user "dave"');
      const added = await run(
        ["server/cli/users.ts", "add", "dave", "--password-stdin"],
        env,
        "correct horse\n",
      );
      expect(added.code).toBe(0);
      const a = await run(["server/cli/token.ts", "--user", "dave", "--name", "nightly export"], env);
      expect(a.stderr).toBe("");
      expect(a.code).toBe(0);
      // The role is the user's, read at every use: the CLI no longer signs one into the token.
      const b = await run(["server/cli/token.ts", "--user", "dave", "--role", "admin"], env);
      expect(b.code).toBe(1);
      expect(b.stderr).toContain("Unknown option '--role'");
      const c = await run(["server/cli/token.ts", "--user", "dave", "--ttl", String(91 * 86_400)], env);
      expect(c.code).toBe(1);
      expect(c.stderr).toContain("API_TOKEN_MAX_DAYS");
      // The record is in the data folder's database.
      const database = await openDatabase({ dataDir: dir.path }, { migrate: false });
      try {
        const tokens = await database.db.selectFrom("api_tokens").select(["name", "owner"]).execute();
        expect(tokens).toMatchObject([{ name: "nightly export", owner: "dave" }]);
      } finally {
        await database.close();
      }
    } finally {
      await dir.remove();
    }
  });

  it("refuses a value given to a switch: --admin=false makes nobody an admin", async () => {
    const env = await redisEnv();
    for (const args of [["--admin=false"], ["--admin=true"], ["--bogus"]]) {
      const out = await run(
        ["server/cli/users.ts", "add", "mallory", ...args, "--password-stdin"],
        env,
        "correct horse\n",
      );
      expect(out.code, args.join(" ")).toBe(1);
    }
    expect(await server.backends.users.get("mallory")).toBeUndefined();
  });

  it("changes a role, a password, removes a user, and each ends the user's tokens and open sockets", async () => {
    const env = await redisEnv();
    const users = server.backends.users;
    const added = await run(
      ["server/cli/users.ts", "add", "gina", "--password-stdin"],
      env,
      "correct horse\n",
    );
    expect(added.code).toBe(0);
    // As `npm run token` issues them (that command is tested above; each spawn costs seconds here).
    const issue = async () =>
      (
        await issueApiToken({
          secret: TEST_SECRET,
          tokens: server.backends.tokens,
          user: (await users.get("gina"))!,
          name: "ci",
        })
      ).token;
    for (const [args, check] of [
      [["set-role", "gina", "admin"], async () => expect((await users.get("gina"))?.role).toBe("admin")],
      [["set-role", "gina", "user"], async () => expect((await users.get("gina"))?.role).toBe("user")],
      [
        ["password", "gina", "--password-stdin"],
        async () => expect((await users.get("gina"))?.epoch).toBe(3),
      ],
      [["remove", "gina"], async () => expect(await users.get("gina")).toBeUndefined()],
    ] as const) {
      const token = await issue();
      const socket = await connectOk(server.url, { token });
      const out = await run(["server/cli/users.ts", ...args], env, "another horse\n");
      expect(out.stderr, args.join(" ")).toMatch(/revoked 1 API token/);
      expect(out.code).toBe(0);
      await check();
      expect(await server.backends.tokens.listFor("gina")).toEqual([]);
      await eventually(() => expect(socket.connected).toBe(false), 10_000);
      expect(await connect(server.url, { token })).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    }
    // Each of the four revoked one token, and said so in the audit log.
    const revocations = (
      await server.backends.audit.page({ action: "token.revoke", user: "gina", limit: 50 })
    ).entries;
    expect(revocations.map((e) => e.details)).toEqual([
      { reason: "removed", count: 1 },
      { reason: "password", count: 1 },
      { reason: "role", count: 1 },
      { reason: "role", count: 1 },
    ]);
    expect(revocations[0]).toMatchObject({
      actor: null,
      method: "cli",
      target: { kind: "user", id: "gina" },
    });
    const bad = await run(["server/cli/users.ts", "set-role", "bob", "root"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("admin|user");
    const nobody = await run(["server/cli/users.ts", "remove", "nobody"], env);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('no user "nobody"');
  });

  it("adds a user to the PostgreSQL database of a Redis-mode server from stdin and refuses a duplicate", async () => {
    const env = await redisEnv();
    const added = await run(
      ["server/cli/users.ts", "add", "erin", "--admin", "--password-stdin"],
      env,
      "correct horse\n",
    );
    expect(added.stderr).toMatch(/created admin "erin" in postgres:\/\/postgres@127\.0\.0\.1:\d+\/t\d+/);
    expect(added.code).toBe(0);
    const user = await server.backends.users.get("erin");
    expect(user?.role).toBe("admin");
    // The creation is audited with the role it gives, once: the refused duplicate below adds nothing.
    const created = async () =>
      (await server.backends.audit.page({ action: "user.role", user: "erin", limit: 50 })).entries;
    expect(await created()).toMatchObject([
      {
        actor: null,
        method: "cli",
        target: { kind: "user", id: "erin" },
        details: { from: null, to: "admin" },
      },
    ]);
    const again = await run(["server/cli/users.ts", "add", "erin", "--password-stdin"], env, "another one\n");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('user "erin" already exists');
    expect(await created()).toHaveLength(1);
    const short = await run(["server/cli/users.ts", "add", "frank", "--password-stdin"], env, "short\n");
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("at least 8 characters");
  });

  it("needs DATABASE_URL beside Redis: the server and the worker name a missing or unreachable one (or Redis) in one line", async () => {
    const base = { REDIS_URL: redis.url, AUTH_SECRET: TEST_SECRET, NODE_ENV: "production" };
    const missing =
      "Invalid configuration: DATABASE_URL: required when REDIS_URL is set, because every instance keeps boards, users and notifications in the same PostgreSQL";
    const unreachable = { ...base, DATABASE_URL: "postgres://pb:hunter2@127.0.0.1:1/pulseboard" };
    const reach =
      "DATABASE_URL: cannot reach PostgreSQL at postgres://pb:***@127.0.0.1:1/pulseboard: connect ECONNREFUSED 127.0.0.1:1";
    // Redis is checked first; it gives up after 15 s.
    const noRedis = {
      ...base,
      REDIS_URL: "redis://:hunter2@127.0.0.1:1",
      DATABASE_URL: await databaseFor(redis.url),
      PULSEBOARD_NO_PAGES: "true",
      LOG_LEVEL: "silent",
    };
    const [server, worker, serverDown, workerDown, redisDown] = await Promise.all([
      run(["server/index.ts"], base),
      run(["server/worker.ts"], base),
      run(["server/index.ts"], { ...unreachable, PULSEBOARD_NO_PAGES: "true", LOG_LEVEL: "silent" }),
      run(["server/worker.ts"], { ...unreachable, LOG_LEVEL: "silent" }),
      run(["server/index.ts"], noRedis),
    ]);
    expect(redisDown.stderr.trim()).toMatch(
      /^Pulseboard failed to start: REDIS_URL: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1: redis not ready after 15000 ms \(status \w+\)$/,
    );
    for (const out of [server, worker]) {
      expect(out.code).toBe(1);
      expect(out.stderr.trim()).toBe(missing);
    }
    expect(serverDown.stderr.trim()).toBe(`Pulseboard failed to start: ${reach}`);
    expect(workerDown.stderr.trim()).toBe(`worker failed to start: ${reach}`);
    for (const out of [serverDown, workerDown, redisDown]) {
      expect(out.code).toBe(1);
      expect(out.stdout).toBe("");
      expect(out.stderr).not.toContain("hunter2");
    }
  });

  it("stops the server at startup with one line naming a bad variable", async () => {
    const out = await run(["server/index.ts"], { MAX_CONNECTIONS_PER_USER: "lots", NODE_ENV: "production" });
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe(
      'Invalid configuration: MAX_CONNECTIONS_PER_USER: expected an integer between 1 and 10000, got "lots"',
    );
  });
});
