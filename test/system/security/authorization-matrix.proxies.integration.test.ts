import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { sessionCookieFor, tokenFor } from "@/server/testing/clients";
import { signInOverHttp } from "@/server/testing/http-from";
import { startInstance, type TestInstance } from "@/server/testing/instance";

/**
 * Who the client is, under the proxy rules: without TRUSTED_PROXIES the socket's peer, whatever X-Forwarded-For
 * says; with it, the rightmost address a trusted proxy vouches for, never anything left of it. Checked where the
 * address is used: the sign-in throttle and the connection registry (the admin tables and the session list read
 * the registry).
 */
const PROXY = "127.0.0.5";
const DIRECT = "127.0.0.6";
const LIMITS = { SIGNIN_MAX_CONSECUTIVE_FAILS: "3" };

type Socket = ReturnType<typeof io>;
const sockets: Socket[] = [];

/** Opens a socket for `user` from `localAddress` with these headers and answers the ip the registry recorded. */
async function registryIp(
  server: TestInstance,
  user: string,
  localAddress: string,
  headers: Record<string, string>,
): Promise<string | undefined> {
  const socket = io(server.url, {
    forceNew: true,
    reconnection: false,
    transports: ["websocket"],
    extraHeaders: headers,
    auth: { token: await tokenFor(user) },
    localAddress,
  } as Parameters<typeof io>[1]);
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  const res = await fetch(`${server.url}/api/sessions`, {
    headers: { cookie: await sessionCookieFor(user) },
  });
  const body = (await res.json()) as { sessions: { connectionId: string; ip: string }[] };
  socket.close();
  return body.sessions.at(-1)?.ip;
}

/** Fails `account`'s password until the throttle refuses it, from `localAddress` with rotating headers. */
async function exhaust(
  server: TestInstance,
  account: string,
  localAddress: string,
  xff: (i: number) => string,
) {
  const kinds: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await signInOverHttp(server.url, account, `wrong-${i}`, {
      localAddress,
      headers: { "x-forwarded-for": xff(i) },
    });
    kinds.push(r.kind);
  }
  return kinds;
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

describe("proxy rules: no TRUSTED_PROXIES", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true, env: LIMITS });
  });
  afterAll(() => server?.close());

  it("the registry records the socket's peer, never X-Forwarded-For", async () => {
    expect(await registryIp(server, "alice", DIRECT, { "x-forwarded-for": "198.51.100.7" })).toBe(DIRECT);
    expect(await registryIp(server, "alice", PROXY, { "x-forwarded-for": "198.51.100.7, 10.0.0.1" })).toBe(
      PROXY,
    );
  });

  it("the throttle counts the socket's peer: a new X-Forwarded-For per guess changes nothing", async () => {
    expect(await exhaust(server, "bob", DIRECT, (i) => `198.51.100.${i + 1}`)).toEqual([
      "refused",
      "refused",
      "refused",
      "throttled",
    ]);
    // Another peer address is another client, whatever header it sends.
    expect((await signInOverHttp(server.url, "bob", "pulseboard", { localAddress: PROXY })).kind).toBe("ok");
  });
});

describe("proxy rules: TRUSTED_PROXIES names the proxy", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance({
      seedDemoUsers: true,
      env: { ...LIMITS, TRUSTED_PROXIES: `${PROXY}/32, 10.0.0.0/8` },
    });
  });
  afterAll(() => server?.close());

  it("the registry records the rightmost address the proxy vouches for; a client's own entries are ignored", async () => {
    // Through the proxy: the client wrote "6.6.6.6", the proxy appended the address it saw.
    expect(await registryIp(server, "alice", PROXY, { "x-forwarded-for": "6.6.6.6, 198.51.100.7" })).toBe(
      "198.51.100.7",
    );
    // A chain of trusted proxies (10.x) is walked through.
    expect(
      await registryIp(server, "alice", PROXY, { "x-forwarded-for": "6.6.6.6, 198.51.100.8, 10.1.2.3" }),
    ).toBe("198.51.100.8");
    // Straight to the server, bypassing the proxy: the header is the client's own and is not read.
    expect(await registryIp(server, "alice", DIRECT, { "x-forwarded-for": "198.51.100.7" })).toBe(DIRECT);
    // Garbage in the header cannot become the address.
    expect(await registryIp(server, "alice", PROXY, { "x-forwarded-for": "<script>, not-an-ip" })).toBe(
      PROXY,
    );
  });

  it("the throttle counts the client behind the proxy; spoofed left entries do not reset it", async () => {
    // The attacker behind the proxy rotates what it writes; the proxy appends its real address every time.
    expect(await exhaust(server, "admin", PROXY, (i) => `203.0.113.${i + 1}, 198.51.100.20`)).toEqual([
      "refused",
      "refused",
      "refused",
      "throttled",
    ]);
    // Another client behind the same proxy is not affected.
    const other = await signInOverHttp(server.url, "admin", "pulseboard", {
      localAddress: PROXY,
      headers: { "x-forwarded-for": "198.51.100.21" },
    });
    expect(other.kind).toBe("ok");
  });

  it("a client bypassing the proxy cannot pose as another client with the header", async () => {
    // A direct client claims to be 198.51.100.30 and exhausts "its" budget: the budget is its peer address's.
    expect(await exhaust(server, "alice", DIRECT, () => "198.51.100.30")).toEqual([
      "refused",
      "refused",
      "refused",
      "throttled",
    ]);
    // The real 198.51.100.30, through the proxy, is untouched.
    const real = await signInOverHttp(server.url, "alice", "pulseboard", {
      localAddress: PROXY,
      headers: { "x-forwarded-for": "198.51.100.30" },
    });
    expect(real.kind).toBe("ok");
  });
});
