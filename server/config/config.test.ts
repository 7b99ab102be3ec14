import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

const SECRET = "s".repeat(40);
const DB = "postgres://pb@127.0.0.1:5499/pulseboard";

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the config to be refused");
}

describe("loadConfig", () => {
  it("reads the OpenID Connect provider, password sign-in and the audit retention", () => {
    const plain = loadConfig({});
    expect(plain.signInMethods).toEqual({ passwords: true, oidc: undefined });
    expect(plain.audit).toEqual({ retentionMs: 365 * 86_400_000 });
    const sso = loadConfig({
      OIDC_ISSUER: "https://keycloak.example.com/realms/acme/",
      OIDC_CLIENT_ID: "pulseboard",
      OIDC_CLIENT_SECRET: "shh",
      OIDC_ADMIN_GROUP: "pulseboard-admins",
      AUTH_PASSWORDS: "false",
      AUDIT_RETENTION_DAYS: "30",
    });
    expect(sso.signInMethods).toEqual({
      passwords: false,
      oidc: {
        issuer: "https://keycloak.example.com/realms/acme",
        clientId: "pulseboard",
        clientSecret: "shh",
        name: "Single sign-on",
        usernameClaim: "preferred_username",
        groupsClaim: "groups",
        adminGroup: "pulseboard-admins",
        scopes: "openid profile email",
      },
    });
    expect(sso.audit.retentionMs).toBe(30 * 86_400_000);
  });

  it("reads OIDC_ALLOWED_GROUPS as a trimmed comma list, and refuses an empty one", () => {
    const base = { OIDC_ISSUER: "https://idp.example", OIDC_CLIENT_ID: "pb", OIDC_CLIENT_SECRET: "shh" };
    const config = loadConfig({ ...base, OIDC_ALLOWED_GROUPS: " staff, pulseboard-users ,," });
    expect(config.signInMethods.oidc?.allowedGroups).toEqual(["staff", "pulseboard-users"]);
    expect(loadConfig(base).signInMethods.oidc?.allowedGroups).toBeUndefined();
    expect(errorOf({ ...base, OIDC_ALLOWED_GROUPS: " , " })).toMatch(/OIDC_ALLOWED_GROUPS/);
  });

  it("refuses half an OpenID Connect setting, and no way to sign in at all", () => {
    expect(errorOf({ OIDC_ISSUER: "https://idp.example" })).toBe(
      "Invalid configuration: OIDC_ISSUER: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together",
    );
    expect(errorOf({ AUTH_PASSWORDS: "false" })).toMatch(
      /^Invalid configuration: AUTH_PASSWORDS: false needs/,
    );
    expect(errorOf({ OIDC_ISSUER: "not a url", OIDC_CLIENT_ID: "a", OIDC_CLIENT_SECRET: "b" })).toMatch(
      /^Invalid configuration: OIDC_ISSUER: /,
    );
    // The client secret is never repeated in an error.
    expect(
      errorOf({
        OIDC_ISSUER: "https://idp.example",
        OIDC_CLIENT_ID: "a",
        OIDC_CLIENT_SECRET: "x".repeat(2000),
      }),
    ).not.toContain("xxxx");
  });

  it("defaults to embedded mode on port 3000 with the documented defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      mode: "embedded",
      port: 3000,
      maxConnectionsPerUser: 5,
      publicUrl: "http://localhost:3000",
      allowedOrigins: ["http://localhost:3000"],
      shutdownTimeoutMs: 10_000,
      workersInline: true,
      seedDemoUsers: true,
      instanceLeaseMs: 15_000,
      pages: true,
    });
    expect(c.instanceId).toMatch(/-\d+$/);
  });

  it("seeds demo users only in development or when asked, and reads the auth limits", () => {
    expect(loadConfig({ NODE_ENV: "production" }).seedDemoUsers).toBe(false);
    expect(loadConfig({ NODE_ENV: "test" }).seedDemoUsers).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", SEED_DEMO_USERS: "true" }).seedDemoUsers).toBe(true);
    expect(loadConfig({}).auth).toEqual({ recheckMs: 2_000, maxTokenTtlSeconds: 90 * 86_400 });
    expect(loadConfig({ AUTH_RECHECK_MS: "500", API_TOKEN_MAX_DAYS: "7" }).auth).toEqual({
      recheckMs: 500,
      maxTokenTtlSeconds: 7 * 86_400,
    });
    expect(errorOf({ API_TOKEN_MAX_DAYS: "400" })).toMatch(/^Invalid configuration: API_TOKEN_MAX_DAYS:/);
  });

  it("reads BOARD_OP_BATCH_MS: 20 ms by default, 0 turns coalescing off, a negative window is refused", () => {
    expect(loadConfig({}).boardOpBatchMs).toBe(20);
    expect(loadConfig({ BOARD_OP_BATCH_MS: "0" }).boardOpBatchMs).toBe(0);
    expect(errorOf({ BOARD_OP_BATCH_MS: "-1" })).toMatch(/^Invalid configuration: BOARD_OP_BATCH_MS:/);
  });

  it("runs without Next's pages when PULSEBOARD_NO_PAGES is set", () => {
    expect(loadConfig({ PULSEBOARD_NO_PAGES: "true" }).pages).toBe(false);
    expect(errorOf({ PULSEBOARD_NO_PAGES: "maybe" })).toMatch(/^Invalid configuration: PULSEBOARD_NO_PAGES:/);
  });

  it("reads DATABASE_URL for PostgreSQL, and names a bad one without echoing it", () => {
    expect(loadConfig({}).database).toEqual({ url: undefined, historyRevisions: undefined });
    const url = "postgres://pb:pw@db.internal:5432/pulseboard";
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ url, historyRevisions: undefined });
    expect(loadConfig({ BOARD_HISTORY_REVISIONS: "50000" }).database.historyRevisions).toBe(50_000);
    expect(errorOf({ BOARD_HISTORY_REVISIONS: "10" })).toMatch(/BOARD_HISTORY_REVISIONS/);
    const message = errorOf({ DATABASE_URL: "mysql://pb:hunter2@db/pb" });
    expect(message).toMatch(
      /^Invalid configuration: DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/,
    );
    expect(message).not.toContain("hunter2");
  });

  it("switches to Redis mode with REDIS_URL and requires a shared secret there", () => {
    expect(errorOf({ REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: DB })).toMatch(
      /^Invalid configuration: AUTH_SECRET: required/,
    );
    const c = loadConfig({ REDIS_URL: "redis://127.0.0.1:6379", AUTH_SECRET: SECRET, DATABASE_URL: DB });
    expect(c).toMatchObject({
      mode: "redis",
      workersInline: false,
      seedDemoUsers: false,
      authSecret: SECRET,
      database: { url: DB },
    });
  });

  it.each([
    [{ REDIS_URL: "redis://127.0.0.1:6379" }, "REDIS_URL"],
    [{ REDIS_CLUSTER_NODES: "10.0.0.1:7000" }, "REDIS_CLUSTER_NODES"],
    [{ REDIS_URL: "redis://127.0.0.1:6379", DATABASE_URL: "" }, "REDIS_URL"],
  ])("refuses Redis mode without DATABASE_URL, in one line naming both (%o)", (env, redisVar) => {
    const text = errorOf({ ...env, AUTH_SECRET: SECRET });
    expect(text).toBe(
      `Invalid configuration: DATABASE_URL: required when ${redisVar} is set, because every instance keeps boards, users and notifications in the same PostgreSQL`,
    );
  });

  it("keeps DATABASE_URL optional in embedded mode", () => {
    expect(loadConfig({}).mode).toBe("embedded");
    expect(loadConfig({ DATABASE_URL: DB })).toMatchObject({ mode: "embedded", database: { url: DB } });
  });

  it("reads NEXTAUTH_SECRET as AUTH_SECRET", () => {
    expect(loadConfig({ NEXTAUTH_SECRET: SECRET }).authSecret).toBe(SECRET);
  });

  it.each([
    [
      { PORT: "eighty" },
      /^Invalid configuration: PORT: expected an integer between 0 and 65535, got "eighty"$/,
    ],
    [{ PORT: "70000" }, /PORT: expected an integer/],
    [
      { MAX_CONNECTIONS_PER_USER: "0" },
      /^Invalid configuration: MAX_CONNECTIONS_PER_USER: expected an integer between 1 and 10000/,
    ],
    [
      { REDIS_URL: "localhost:6379" },
      /^Invalid configuration: REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/,
    ],
    [{ LOG_LEVEL: "loud" }, /^Invalid configuration: LOG_LEVEL: /],
    [
      { ALLOWED_ORIGINS: "ftp://x" },
      /^Invalid configuration: ALLOWED_ORIGINS: expected comma-separated http\(s\) origins/,
    ],
    [{ AUTH_SECRET: "short" }, /^Invalid configuration: AUTH_SECRET: expected at least 32 characters$/],
    [{ NEXTAUTH_URL: "not a url" }, /^Invalid configuration: NEXTAUTH_URL: expected an absolute/],
    [{ WORKERS_INLINE: "maybe" }, /^Invalid configuration: WORKERS_INLINE: expected true or false/],
    [{ INSTANCE_ID: "has space" }, /^Invalid configuration: INSTANCE_ID: /],
  ])("refuses %o with one line naming the variable", (env, message) => {
    const text = errorOf(env);
    expect(text).toMatch(message);
    expect(text).not.toContain("\n");
  });

  it("never echoes a secret's value in the error", () => {
    expect(errorOf({ AUTH_SECRET: "hunter2" })).not.toContain("hunter2");
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ PORT: "", REDIS_URL: "" }).mode).toBe("embedded");
  });

  it("derives allowed origins and cookie security from NEXTAUTH_URL", () => {
    const c = loadConfig({ NEXTAUTH_URL: "https://dash.example.com/", PORT: "8080" });
    expect(c.publicUrl).toBe("https://dash.example.com");
    expect(c.allowedOrigins).toEqual(["https://dash.example.com"]);
  });

  it("parses REDIS_CLUSTER_NODES", () => {
    const c = loadConfig({
      REDIS_CLUSTER_NODES: "10.0.0.1:7000,redis://10.0.0.2:7001",
      AUTH_SECRET: SECRET,
      DATABASE_URL: DB,
    });
    expect(c.redis.clusterNodes).toEqual([
      { host: "10.0.0.1", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
    ]);
    expect(errorOf({ REDIS_CLUSTER_NODES: "nope", AUTH_SECRET: SECRET })).toMatch(
      /REDIS_CLUSTER_NODES: expected host:port/,
    );
  });

  it("parses TRUSTED_PROXIES and the sign-in limits, with documented defaults", () => {
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(loadConfig({}).signIn).toEqual({
      maxFailsPerIp: 100,
      ipWindowS: 3_600,
      maxConsecutiveFails: 10,
      blockS: 900,
    });
    expect(loadConfig({ TRUSTED_PROXIES: "10.0.0.0/8, ::1" }).trustedProxies).toEqual([
      { address: "10.0.0.0", prefix: 8, family: "ipv4" },
      { address: "::1", prefix: 128, family: "ipv6" },
    ]);
    expect(errorOf({ TRUSTED_PROXIES: "10.0.0.0/8,proxy.internal" })).toMatch(
      /TRUSTED_PROXIES: expected comma-separated IP addresses or CIDRs, got "proxy.internal"/,
    );
    expect(errorOf({ SIGNIN_MAX_CONSECUTIVE_FAILS: "0" })).toMatch(/SIGNIN_MAX_CONSECUTIVE_FAILS/);
  });
});
