import { encode } from "next-auth/jwt";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents } from "@/lib/protocol/events";
import { mintApiToken } from "../auth/api-tokens";
import type { Role } from "../auth/user-store";
import { TEST_SECRET } from "./instance";
import { ensureTestUser, issueTestToken } from "./provision";

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectOptions {
  token?: string;
  cookie?: string;
  origin?: string;
  auth?: Record<string, unknown>;
  transports?: ("websocket" | "polling")[];
}

/** A socket.io-client socket, not yet connected, with reconnection off so that tests see every failure. */
export function makeClient(url: string, opts: ConnectOptions = {}): TestSocket {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.origin) headers.origin = opts.origin;
  return io(url, {
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    transports: opts.transports ?? ["websocket"],
    extraHeaders: headers,
    auth: { ...(opts.token ? { token: opts.token } : {}), ...opts.auth },
  });
}

export type ConnectOutcome =
  | { ok: true; socket: TestSocket }
  | { ok: false; code: string; data: Record<string, unknown> | undefined; socket: TestSocket };

/** Connects and resolves with the socket, or with the `connect_error` code and data. */
export function connect(url: string, opts: ConnectOptions = {}): Promise<ConnectOutcome> {
  const socket = makeClient(url, opts);
  return new Promise((resolve) => {
    // Listeners first, then connect: a fast server can answer before an awaited connect() returns.
    socket.once("connect", () => resolve({ ok: true, socket }));
    socket.once("connect_error", (err: Error & { data?: Record<string, unknown> }) => {
      socket.close();
      resolve({ ok: false, code: err.message, data: err.data, socket });
    });
    socket.connect();
  });
}

export async function connectOk(url: string, opts: ConnectOptions = {}): Promise<TestSocket> {
  const outcome = await connect(url, opts);
  if (!outcome.ok)
    throw new Error(`expected to connect, got ${outcome.code}: ${JSON.stringify(outcome.data)}`);
  return outcome.socket;
}

/**
 * An API token as `POST /api/tokens` would issue it. With the test secret, the user is created with `role` in the
 * stores of the running test instances when missing (an existing user keeps its role: the server reads roles from
 * the store) and the token is recorded there. With another secret it is only signed: a forgery.
 */
export async function tokenFor(
  name: string,
  role: Role = "user",
  ttlSeconds = 3_600,
  secret = TEST_SECRET,
): Promise<string> {
  if (secret === TEST_SECRET) return issueTestToken(secret, name, role, ttlSeconds);
  return (await mintApiToken(secret, { name }, ttlSeconds)).token;
}

/**
 * A next-auth session cookie as the sign-in flow would set it; with the test secret, the user is created with
 * `role` when missing, as for `tokenFor`.
 */
export async function sessionCookieFor(
  name: string,
  role: Role = "user",
  maxAgeSeconds = 3_600,
  secret = TEST_SECRET,
): Promise<string> {
  const ep = secret === TEST_SECRET ? await ensureTestUser(name, role) : 0;
  const value = await encode({ token: { sub: name, name, role, ep }, secret, maxAge: maxAgeSeconds });
  return `next-auth.session-token=${value}`;
}

export function waitFor<T>(
  socket: TestSocket,
  event: keyof ServerToClientEvents | "disconnect",
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${String(event)}`)), timeoutMs);
    socket.once(
      event as "disconnect",
      ((value: T) => {
        clearTimeout(timer);
        resolve(value);
      }) as never,
    );
  });
}

/**
 * Signs in through next-auth's credentials flow, as the sign-in page does: a CSRF token, then the callback.
 * Returns the session cookie (`name=value`), or undefined when sign-in was refused.
 */
export async function passwordSignIn(
  url: string,
  username: string,
  password: string,
): Promise<string | undefined> {
  const csrf = await fetch(`${url}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = csrf.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const res = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: jar, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password, csrfToken, json: "true" }).toString(),
  });
  await res.body?.cancel();
  const session = res.headers.getSetCookie().find((c) => c.startsWith("next-auth.session-token="));
  return session?.split(";")[0];
}
