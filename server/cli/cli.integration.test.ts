import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../testing/clients";
import { TEST_SECRET, startInstance, type TestInstance } from "../testing/instance";
import { TestRedisServer } from "../testing/redis-server";
import { tempDir } from "../testing/temp-dir";

const TSX = "node_modules/.bin/tsx";

function run(args: string[], env: Record<string, string>, stdin?: string, command = TSX) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

describe("command-line tools", () => {
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

  it("prints a token alone on stdout with the README's command, and that token connects", async () => {
    // The command exactly as the README shows it: `TOKEN=$(npm run -s token -- --user alice --ttl 3600)`.
    const readme = await readFile("README.md", "utf8");
    const command = /TOKEN=\$\((npm run -s token -- [^)]+)\)/.exec(readme)?.[1];
    expect(command).toBe("npm run -s token -- --user alice --ttl 3600");
    const [npm, ...args] = command!.split(" ");
    const out = await run(args, { AUTH_SECRET: TEST_SECRET }, undefined, npm);
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

  it("uses the secret kept in the data folder when AUTH_SECRET is unset", async () => {
    const dir = await tempDir();
    try {
      const a = await run(["server/cli/token.ts", "--user", "dave"], { DATA_DIR: dir.path });
      expect(a.code).toBe(0);
      const b = await run(["server/cli/token.ts", "--user", "dave", "--role", "boss"], {
        DATA_DIR: dir.path,
      });
      expect(b.code).toBe(1);
      expect(b.stderr).toContain("--role must be user or admin");
    } finally {
      await dir.remove();
    }
  });

  it("adds a user to the Redis store from stdin and refuses a duplicate", async () => {
    const env = { REDIS_URL: redis.url, AUTH_SECRET: TEST_SECRET, REDIS_KEY_PREFIX: "pbtest" };
    const added = await run(
      ["server/cli/users.ts", "add", "erin", "--admin", "--password-stdin"],
      env,
      "correct horse\n",
    );
    expect(added.stderr).toContain('created admin "erin" in the redis store');
    expect(added.code).toBe(0);
    const user = await server.backends.users.get("erin");
    expect(user?.role).toBe("admin");
    const again = await run(["server/cli/users.ts", "add", "erin", "--password-stdin"], env, "another one\n");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('user "erin" already exists');
    const short = await run(["server/cli/users.ts", "add", "frank", "--password-stdin"], env, "short\n");
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("at least 8 characters");
  });

  it("stops the server at startup with one line naming a bad variable", async () => {
    const out = await run(["server/index.ts"], { MAX_CONNECTIONS_PER_USER: "lots", NODE_ENV: "production" });
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe(
      'Invalid configuration: MAX_CONNECTIONS_PER_USER: expected an integer between 1 and 10000, got "lots"',
    );
  });
});
