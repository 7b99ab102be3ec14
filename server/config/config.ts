import { hostname } from "node:os";
import { z } from "zod";
import { parseProxyRange, type ProxyRange } from "../http/client-ip";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "expected true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

const int = (min: number, max: number) =>
  z.coerce
    .number({ error: `expected an integer between ${min} and ${max}` })
    .int({ error: `expected an integer between ${min} and ${max}` })
    .min(min, { error: `expected an integer between ${min} and ${max}` })
    .max(max, { error: `expected an integer between ${min} and ${max}` });

const redisUrl = z.string().regex(/^rediss?:\/\/\S+$/, { error: "expected a redis:// or rediss:// URL" });

const databaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/\S+$/, { error: "expected a postgres:// or postgresql:// URL" });

const origin = z.string().transform((value, ctx) => {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
    return url.origin;
  } catch {
    ctx.addIssue({ code: "custom", message: `expected comma-separated http(s) origins, got "${value}"` });
    return z.NEVER;
  }
});

const proxyRanges = z.string().transform((value, ctx) => {
  const parts = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const ranges = parts.map(parseProxyRange);
  const bad = parts.find((_, i) => ranges[i] === undefined);
  if (bad !== undefined) {
    ctx.addIssue({ code: "custom", message: `expected comma-separated IP addresses or CIDRs, got "${bad}"` });
    return z.NEVER;
  }
  return ranges as ProxyRange[];
});

const clusterNodes = z.string().transform((value, ctx) => {
  const nodes = value
    .split(",")
    .map((s) => s.trim().replace(/^redis:\/\//, ""))
    .filter(Boolean)
    .map((s) => {
      const m = /^([^:]+):(\d{1,5})$/.exec(s);
      return m ? { host: m[1]!, port: Number(m[2]) } : null;
    });
  if (nodes.length === 0 || nodes.some((n) => n === null)) {
    ctx.addIssue({ code: "custom", message: `expected host:port,host:port,..., got "${value}"` });
    return z.NEVER;
  }
  return nodes as { host: string; port: number }[];
});

/** Environment variables, as read. Empty strings count as unset so that `FOO=` in a shell means default. */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  REDIS_URL: redisUrl.optional(),
  REDIS_CLUSTER_NODES: clusterNodes.optional(),
  /** PostgreSQL for the system of record; required with REDIS_URL or REDIS_CLUSTER_NODES; unset, SQLite in DATA_DIR. */
  DATABASE_URL: databaseUrl.optional(),
  /**
   * How many revisions of each board's op log the database keeps behind its head; unset keeps the whole history
   * (the default). History, restore and catching up reach back this far, and an opId older than that is no longer
   * recognised as a duplicate.
   */
  BOARD_HISTORY_REVISIONS: int(1_000, 1_000_000_000).optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,32}$/, { error: "expected 1-32 letters, digits, _ or -" })
    .default("pb"),
  AUTH_SECRET: z.string().min(32, { error: "expected at least 32 characters" }).optional(),
  NEXTAUTH_URL: z.url({ error: "expected an absolute http(s) URL" }).optional(),
  MAX_CONNECTIONS_PER_USER: int(1, 10_000).default(5),
  INSTANCE_ID: z
    .string()
    .regex(/^[a-zA-Z0-9_.-]{1,64}$/, { error: "expected 1-64 letters, digits, _, . or -" })
    .optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  ALLOWED_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(origin))
    .optional(),
  /** Proxies allowed to set X-Forwarded-For (addresses or CIDRs); unset, the socket's peer is the client. */
  TRUSTED_PROXIES: proxyRanges.optional(),
  /** Failed sign-ins one client address may make per window before it is refused for the rest of the window. */
  SIGNIN_MAX_FAILS_PER_IP: int(1, 1_000_000).default(100),
  SIGNIN_IP_WINDOW_S: int(1, 7 * 86_400).default(3_600),
  /** Consecutive failures for one account from one address before that pair is blocked for SIGNIN_BLOCK_S. */
  SIGNIN_MAX_CONSECUTIVE_FAILS: int(1, 10_000).default(10),
  SIGNIN_BLOCK_S: int(1, 7 * 86_400).default(900),
  DATA_DIR: z.string().min(1).default(".data"),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
  /** How long an instance's lease lives without a heartbeat; its connections expire with it. */
  INSTANCE_LEASE_MS: int(1_000, 300_000).default(15_000),
  MAX_MESSAGE_BYTES: int(1_024, 16 * 1024 * 1024).default(256 * 1024),
  /**
   * What one socket may have waiting to be sent before its queued board ops are dropped for a resync (and, still
   * over, the socket is closed); 0 turns the cap off. See server/realtime/outbound-cap.ts.
   */
  OUTBOUND_BUFFER_MAX_BYTES: int(0, 1024 * 1024 * 1024).default(1024 * 1024),
  RATE_LIMIT_EVENTS_PER_SEC: int(1, 100_000).default(50),
  RATE_LIMIT_BURST: int(1, 100_000).default(100),
  /** Ops of one board committed within this window after a broadcast go out together as one `board:ops` (0: off). */
  BOARD_OP_BATCH_MS: int(0, 60_000).default(20),
  WORKERS_INLINE: bool.optional(),
  TASK_CONCURRENCY: int(1, 256).default(4),
  TASK_IMPORT_BATCH_SIZE: int(1, 1_000).default(500),
  TASK_IMPORT_BATCHES_PER_SEC: int(0, 10_000).default(0),
  TASK_UPLOAD_MAX_BYTES: int(1_024, 100 * 1024 * 1024).default(5 * 1024 * 1024),
  TASK_IMPORT_MAX_ROWS: int(1, 10_000_000).default(300_000),
  TASK_LOCK_MS: int(1_000, 600_000).default(10_000),
  WORKER_HEALTH_PORT: int(1, 65535).optional(),
  QUOTA_BOARDS_PER_USER: int(1, 1_000_000).default(500),
  QUOTA_STORED_BYTES_PER_USER: int(1_024, 1024 * 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  QUOTA_TASKS_CONCURRENT_PER_USER: int(1, 10_000).default(5),
  QUOTA_TASKS_PER_MINUTE_PER_USER: int(1, 1_000_000).default(60),
  QUOTA_BOARDS_JOINED_PER_SOCKET: int(1, 10_000).default(50),
  QUOTA_HTTP_PER_MINUTE_PER_USER: int(1, 10_000_000).default(600),
  QUOTA_HTTP_PER_MINUTE_PER_IP: int(1, 10_000_000).default(6_000),
  METRICS_TOKEN: z.string().min(16, { error: "expected at least 16 characters" }).optional(),
  SOCKETIO_ADMIN_UI: bool.default(false),
  /** Seeds alice, bob and admin with a published password; default only in development. */
  SEED_DEMO_USERS: bool.optional(),
  /** How long a role, a removal or a revocation may take to be seen (role cache, socket re-check period). */
  AUTH_RECHECK_MS: int(100, 60_000).default(2_000),
  /** The longest lifetime an API token may be given, in days. */
  API_TOKEN_MAX_DAYS: int(1, 365).default(90),
  /** An API-only instance without Next's pages: process tests, and instances that only serve sockets. */
  PULSEBOARD_NO_PAGES: bool.optional(),
  /** Whether users may sign in with a local password; with `false`, only the OpenID Connect provider. */
  AUTH_PASSWORDS: bool.default(true),
  /** OpenID Connect: the issuer URL (discovery reads `<issuer>/.well-known/openid-configuration`). */
  OIDC_ISSUER: z.url({ error: "expected the issuer's absolute http(s) URL" }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(256).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
  /** The sign-in button's label, e.g. "Keycloak" or "Company SSO". */
  OIDC_NAME: z.string().trim().min(1).max(40).default("Single sign-on"),
  /** The claim that holds the user name; it is normalised to the user name rules. */
  OIDC_USERNAME_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: "expected a claim name" })
    .default("preferred_username"),
  /** The claim that lists the user's groups (an array of strings, or one string). */
  OIDC_GROUPS_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: "expected a claim name" })
    .default("groups"),
  /** Members of this group are admins, others plain users, re-read at every sign-in; unset, roles are left alone. */
  OIDC_ADMIN_GROUP: z.string().min(1).max(256).optional(),
  /**
   * Comma-separated groups: when set, only members of one of them (in the groups claim) may sign in. Unset, any
   * account at the provider gets an account here at its first sign-in.
   */
  OIDC_ALLOWED_GROUPS: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((g) => g.trim())
        .filter((g) => g.length > 0),
    )
    .pipe(
      z
        .array(z.string().max(256))
        .min(1, { error: "expected a comma-separated list of groups" })
        .max(100, { error: "at most 100 groups" }),
    )
    .optional(),
  /** Scopes asked for at sign-in, space-separated. */
  OIDC_SCOPES: z
    .string()
    .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, { error: "expected space-separated scopes" })
    .default("openid profile email"),
  /** How long audit log entries are kept, in days. */
  AUDIT_RETENTION_DAYS: int(1, 36_500).default(365),
});

export type Env = z.output<typeof envSchema>;

export interface Config {
  env: Env["NODE_ENV"];
  dev: boolean;
  port: number;
  host: string;
  mode: "embedded" | "redis";
  redis: { url?: string; clusterNodes?: { host: string; port: number }[]; keyPrefix: string };
  /**
   * The SQL system of record: PostgreSQL at `url`, or SQLite in `dataDir` when unset (see `server/db`). Always set
   * in Redis mode: instances share their data through PostgreSQL, never through Redis.
   */
  database: { url?: string; historyRevisions?: number };
  /** Undefined only in embedded mode before the kept secret is loaded; see `resolveSecret`. */
  authSecret?: string;
  publicUrl: string;
  allowedOrigins: string[];
  /** Who may set X-Forwarded-For; see `http/client-ip.ts`. */
  trustedProxies: ProxyRange[];
  signIn: { maxFailsPerIp: number; ipWindowS: number; maxConsecutiveFails: number; blockS: number };
  maxConnectionsPerUser: number;
  instanceId: string;
  logLevel: Env["LOG_LEVEL"];
  dataDir: string;
  shutdownTimeoutMs: number;
  instanceLeaseMs: number;
  maxMessageBytes: number;
  /** Per socket, 0 = no cap; see `realtime/outbound-cap.ts`. */
  outboundBufferMaxBytes: number;
  rateLimit: { eventsPerSecond: number; burst: number };
  /** How long a board's later ops wait to go out together after a broadcast (`BOARD_OP_BATCH_MS`); 0: each at once. */
  boardOpBatchMs: number;
  workersInline: boolean;
  tasks: {
    concurrency: number;
    importBatchSize: number;
    importBatchesPerSecond: number;
    /** Data rows one CSV import may have. */
    importMaxRows: number;
    uploadMaxBytes: number;
    lockMs: number;
    workerHealthPort?: number;
  };
  /** Per-user limits; see `server/quotas/`. */
  quotas: {
    boardsPerUser: number;
    /** Uploads waiting to be imported plus exports kept for download. */
    storedBytesPerUser: number;
    tasksConcurrentPerUser: number;
    tasksPerMinutePerUser: number;
    boardsJoinedPerSocket: number;
    httpPerMinutePerUser: number;
    httpPerMinutePerIp: number;
  };
  metricsToken?: string;
  /** Serve @socket.io/admin-ui's namespace, for admins who use that tool. */
  socketIoAdminUi: boolean;
  seedDemoUsers: boolean;
  auth: {
    /** Roles and revocations are re-read this often at most; sockets are re-checked this often. */
    recheckMs: number;
    /** The longest lifetime of an API token, in seconds. */
    maxTokenTtlSeconds: number;
  };
  /** Whether this process serves Next's pages (false with `PULSEBOARD_NO_PAGES=true`). */
  pages: boolean;
  /** Local passwords (`AUTH_PASSWORDS`) and the OpenID Connect provider, when one is configured. */
  signInMethods: { passwords: boolean; oidc?: OidcConfig };
  audit: { retentionMs: number };
}

/** An OpenID Connect provider (`OIDC_*`); see docs/DEPLOY.md. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  usernameClaim: string;
  groupsClaim: string;
  /** Unset: the provider does not decide roles. */
  adminGroup?: string;
  /** Set: sign-in needs one of these in the groups claim. */
  allowedGroups?: string[];
  scopes: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function formatIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? "environment");
  const raw = env[name];
  const got = raw === undefined ? "" : `, got "${raw.length > 60 ? `${raw.slice(0, 60)}...` : raw}"`;
  // A database URL may carry a password.
  const secretLike = /SECRET|TOKEN|DATABASE_URL/.test(name);
  return `Invalid configuration: ${name}: ${issue.message}${secretLike ? "" : got}`;
}

/**
 * Reads and validates the environment once. Throws `ConfigError` with a single line naming the first bad
 * variable; `index.ts` prints it and exits.
 */
export function loadConfig(rawEnv: Record<string, string | undefined> = process.env): Config {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(rawEnv)) env[k] = v === "" ? undefined : v;
  env.AUTH_SECRET ??= env.NEXTAUTH_SECRET;

  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(formatIssue(parsed.error.issues[0]!, env));
  }
  const e = parsed.data;
  const mode = e.REDIS_URL || e.REDIS_CLUSTER_NODES ? "redis" : "embedded";
  if (mode === "redis" && !e.AUTH_SECRET) {
    throw new ConfigError(
      "Invalid configuration: AUTH_SECRET: required when REDIS_URL is set, because every instance must share it",
    );
  }
  if (mode === "redis" && !e.DATABASE_URL) {
    const redisVar = e.REDIS_URL ? "REDIS_URL" : "REDIS_CLUSTER_NODES";
    throw new ConfigError(
      `Invalid configuration: DATABASE_URL: required when ${redisVar} is set, because every instance keeps boards, users and notifications in the same PostgreSQL`,
    );
  }
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) {
    throw new ConfigError(
      "Invalid configuration: REDIS_CLUSTER_NODES: set either REDIS_URL or REDIS_CLUSTER_NODES, not both",
    );
  }
  const publicUrl = e.NEXTAUTH_URL ?? `http://localhost:${e.PORT || 3000}`;
  const oidcSet = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET].filter(
    (v) => v !== undefined,
  ).length;
  if (oidcSet !== 0 && oidcSet !== 3) {
    throw new ConfigError(
      "Invalid configuration: OIDC_ISSUER: set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together",
    );
  }
  if (!e.AUTH_PASSWORDS && oidcSet === 0) {
    throw new ConfigError(
      "Invalid configuration: AUTH_PASSWORDS: false needs an OpenID Connect provider (OIDC_ISSUER), or nobody can sign in",
    );
  }
  const oidc: OidcConfig | undefined =
    oidcSet === 3
      ? {
          issuer: e.OIDC_ISSUER!.replace(/\/$/, ""),
          clientId: e.OIDC_CLIENT_ID!,
          clientSecret: e.OIDC_CLIENT_SECRET!,
          name: e.OIDC_NAME,
          usernameClaim: e.OIDC_USERNAME_CLAIM,
          groupsClaim: e.OIDC_GROUPS_CLAIM,
          adminGroup: e.OIDC_ADMIN_GROUP,
          allowedGroups: e.OIDC_ALLOWED_GROUPS,
          scopes: e.OIDC_SCOPES,
        }
      : undefined;
  return {
    env: e.NODE_ENV,
    dev: e.NODE_ENV === "development",
    port: e.PORT,
    host: e.HOST,
    mode,
    redis: { url: e.REDIS_URL, clusterNodes: e.REDIS_CLUSTER_NODES, keyPrefix: e.REDIS_KEY_PREFIX },
    database: { url: e.DATABASE_URL, historyRevisions: e.BOARD_HISTORY_REVISIONS },
    authSecret: e.AUTH_SECRET,
    publicUrl: publicUrl.replace(/\/$/, ""),
    allowedOrigins: e.ALLOWED_ORIGINS ?? [new URL(publicUrl).origin],
    trustedProxies: e.TRUSTED_PROXIES ?? [],
    signIn: {
      maxFailsPerIp: e.SIGNIN_MAX_FAILS_PER_IP,
      ipWindowS: e.SIGNIN_IP_WINDOW_S,
      maxConsecutiveFails: e.SIGNIN_MAX_CONSECUTIVE_FAILS,
      blockS: e.SIGNIN_BLOCK_S,
    },
    maxConnectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
    instanceId: e.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    instanceLeaseMs: e.INSTANCE_LEASE_MS,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    outboundBufferMaxBytes: e.OUTBOUND_BUFFER_MAX_BYTES,
    rateLimit: { eventsPerSecond: e.RATE_LIMIT_EVENTS_PER_SEC, burst: e.RATE_LIMIT_BURST },
    boardOpBatchMs: e.BOARD_OP_BATCH_MS,
    workersInline: e.WORKERS_INLINE ?? mode === "embedded",
    tasks: {
      concurrency: e.TASK_CONCURRENCY,
      importBatchSize: e.TASK_IMPORT_BATCH_SIZE,
      importBatchesPerSecond: e.TASK_IMPORT_BATCHES_PER_SEC,
      importMaxRows: e.TASK_IMPORT_MAX_ROWS,
      uploadMaxBytes: e.TASK_UPLOAD_MAX_BYTES,
      lockMs: e.TASK_LOCK_MS,
      workerHealthPort: e.WORKER_HEALTH_PORT,
    },
    quotas: {
      boardsPerUser: e.QUOTA_BOARDS_PER_USER,
      storedBytesPerUser: e.QUOTA_STORED_BYTES_PER_USER,
      tasksConcurrentPerUser: e.QUOTA_TASKS_CONCURRENT_PER_USER,
      tasksPerMinutePerUser: e.QUOTA_TASKS_PER_MINUTE_PER_USER,
      boardsJoinedPerSocket: e.QUOTA_BOARDS_JOINED_PER_SOCKET,
      httpPerMinutePerUser: e.QUOTA_HTTP_PER_MINUTE_PER_USER,
      httpPerMinutePerIp: e.QUOTA_HTTP_PER_MINUTE_PER_IP,
    },
    metricsToken: e.METRICS_TOKEN,
    socketIoAdminUi: e.SOCKETIO_ADMIN_UI,
    // A published password is for a developer's own machine: embedded development only, unless asked.
    seedDemoUsers: e.SEED_DEMO_USERS ?? (e.NODE_ENV === "development" && mode === "embedded"),
    auth: { recheckMs: e.AUTH_RECHECK_MS, maxTokenTtlSeconds: e.API_TOKEN_MAX_DAYS * 86_400 },
    pages: !(e.PULSEBOARD_NO_PAGES ?? false),
    signInMethods: { passwords: e.AUTH_PASSWORDS, oidc },
    audit: { retentionMs: e.AUDIT_RETENTION_DAYS * 86_400_000 },
  };
}
