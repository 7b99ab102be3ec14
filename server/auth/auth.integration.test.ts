import { SYSTEM_ACTOR } from "../audit/audit-log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectOk, passwordSignIn } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { startProcessInstance } from "../testing/process-instance";
import { FIRST_ADMIN_HINT } from "./demo-users";
import { hashPassword } from "./passwords";

describe("sign-in", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance();
  });
  afterAll(async () => {
    await server.close();
  });

  it("upgrades a password hash made with older scrypt parameters at a successful sign-in", async () => {
    const old = await hashPassword("correct horse", { N: 2 ** 15, r: 8, p: 1 });
    await server.backends.users.create(
      { name: "olduser", role: "user", passwordHash: old, createdAt: 0 },
      SYSTEM_ACTOR,
    );
    expect(await passwordSignIn(server.url, "olduser", "wrong horse")).toBeUndefined();
    expect((await server.backends.users.get("olduser"))?.passwordHash).toBe(old);
    const cookie = await passwordSignIn(server.url, "olduser", "correct horse");
    expect(cookie).toBeDefined();
    const after = await server.backends.users.get("olduser");
    expect(after?.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    // A rehash is no password change: the session just made (and any other) stays valid.
    expect(after?.epoch).toBe(0);
    const socket = await connectOk(server.url, { cookie });
    expect(await socket.emitWithAck("session:info", {})).toMatchObject({ user: { name: "olduser" } });
    socket.close();
    expect(await passwordSignIn(server.url, "olduser", "correct horse")).toBeDefined();
  });
});

describe("no published admin password in production", () => {
  it("a production start with no users seeds nobody, says in one line how to create the first admin", async () => {
    const proc = await startProcessInstance({ NODE_ENV: "production", LOG_LEVEL: "info" });
    try {
      const meta = (await (await fetch(`${proc.url}/api/meta`)).json()) as {
        demo: unknown;
        noUsers: boolean;
      };
      expect(meta).toMatchObject({ demo: null, noUsers: true });
      const lines = proc
        .output()
        .split("\n")
        .filter((l) => l.includes(FIRST_ADMIN_HINT));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: FIRST_ADMIN_HINT });
    } finally {
      await proc.stop();
    }
  }, 120_000);

  it("never returns the demo password in production, even with the demo users seeded", async () => {
    const prod = await startInstance({ seedDemoUsers: true, env: { NODE_ENV: "production" } });
    const dev = await startInstance({ seedDemoUsers: true, env: { NODE_ENV: "development" } });
    try {
      const metaOf = async (s: TestInstance) =>
        (await (await fetch(`${s.url}/api/meta`)).json()) as {
          demo: { users: { name: string }[]; password: string | null } | null;
          noUsers: boolean;
        };
      const p = await metaOf(prod);
      expect(p.demo?.users.map((u) => u.name)).toEqual(["alice", "bob", "admin"]);
      expect(p.demo?.password).toBeNull();
      expect(JSON.stringify(p)).not.toContain("pulseboard");
      expect(p.noUsers).toBe(false);
      expect((await metaOf(dev)).demo?.password).toBe("pulseboard");
    } finally {
      await prod.close();
      await dev.close();
    }
  }, 120_000);
});
