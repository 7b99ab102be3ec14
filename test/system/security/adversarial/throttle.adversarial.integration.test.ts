import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInOverHttp, type SignInResult } from "@/server/testing/http-from";
import { startInstance, type TestInstance } from "@/server/testing/instance";
import { TestRedisServer } from "@/server/testing/redis-server";

/**
 * An attacker at 127.0.0.1 guesses passwords and sends a different X-Forwarded-For with every attempt, while the
 * real user signs in from 127.0.0.2. The throttle must count the attacker (the header is not trusted: no
 * TRUSTED_PROXIES) and must not lock the real user out.
 */
const ATTACKER = "127.0.0.1";
const USER_ADDRESS = "127.0.0.2";
/** An attacker who sends every guess at once, hoping to slip between the check and the count. */
const ATTACKER_3 = "127.0.0.4";
/** A second attacker address, so that the second scenario starts from a clean per-address budget. */
const ATTACKER_2 = "127.0.0.3";
const LIMITS = { SIGNIN_MAX_CONSECUTIVE_FAILS: "5", SIGNIN_MAX_FAILS_PER_IP: "12" };

let spoof = 0;
const spoofed = () => ({ "x-forwarded-for": `203.0.113.${(spoof++ % 250) + 1}` });

interface Tally {
  made: number;
  refused: number;
  throttled: number;
  retryAfterS: number[];
}

async function attack(from: string, bases: string[], accounts: string[], attempts: number): Promise<Tally> {
  const tally: Tally = { made: 0, refused: 0, throttled: 0, retryAfterS: [] };
  for (let i = 0; i < attempts; i++) {
    const base = bases[i % bases.length]!;
    const account = accounts[i % accounts.length]!;
    const r: SignInResult = await signInOverHttp(base, account, `guess-${i}`, {
      localAddress: from,
      headers: spoofed(),
    });
    tally.made++;
    expect(r.kind, "a wrong password never signs in").not.toBe("ok");
    if (r.kind === "throttled") {
      tally.throttled++;
      tally.retryAfterS.push(r.retryAfterS);
    } else tally.refused++;
  }
  return tally;
}

function scenarios(mode: string, bases: () => string[]) {
  it(`${mode}: rotating X-Forwarded-For does not escape the per-account-and-address limit; the real user gets in`, async () => {
    const tally = await attack(ATTACKER, bases(), ["alice"], 15);
    // Even the right password is not checked once throttled: the answer is the same, and no session is made.
    const lucky = await signInOverHttp(bases()[0]!, "alice", "pulseboard", {
      localAddress: ATTACKER,
      headers: spoofed(),
    });
    const real = await signInOverHttp(bases()[bases().length - 1]!, "alice", "pulseboard", {
      localAddress: USER_ADDRESS,
    });
    console.log(
      `[throttle ${mode}] one account: attempts made ${tally.made}, checked ${tally.refused}, refused unchecked ` +
        `${tally.throttled} (retry after ${tally.retryAfterS.join(",")} s); right password while throttled: ` +
        `${lucky.kind}; real user from ${USER_ADDRESS}: ${real.kind}`,
    );
    expect(tally.refused).toBe(5);
    expect(tally.throttled).toBe(10);
    // The pair's block (SIGNIN_BLOCK_S, 900 s), then the address's window (3600 s) once its budget of 12 is spent.
    expect(tally.retryAfterS.slice(0, 7).every((s) => s > 800 && s <= 900)).toBe(true);
    expect(tally.retryAfterS.every((s) => s > 0 && s <= 3600)).toBe(true);
    expect(lucky.kind).toBe("throttled");
    expect(real).toEqual({ kind: "ok" });
  });

  it(`${mode}: spreading guesses over accounts meets the per-address limit; other addresses are unaffected`, async () => {
    // Four guesses per account stay under the consecutive limit (5); the address's budget (12) is what stops them.
    const tally = await attack(ATTACKER_2, bases(), ["bob", "carol", "dave", "nobody", "admin"], 20);
    const real = await signInOverHttp(bases()[0]!, "bob", "pulseboard", { localAddress: USER_ADDRESS });
    console.log(
      `[throttle ${mode}] many accounts: attempts made ${tally.made}, checked ${tally.refused}, refused unchecked ` +
        `${tally.throttled}; real user from ${USER_ADDRESS}: ${real.kind}`,
    );
    expect(tally.refused).toBe(12);
    expect(tally.throttled).toBe(8);
    expect(real).toEqual({ kind: "ok" });
  });

  it(`${mode}: thirty concurrent guesses get no more password checks than thirty sequential ones`, async () => {
    const all = bases();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        signInOverHttp(all[i % all.length]!, "dave", `burst-${i}`, {
          localAddress: ATTACKER_3,
          headers: spoofed(),
        }),
      ),
    );
    const checked = results.filter((r) => r.kind === "refused").length;
    const throttled = results.filter((r) => r.kind === "throttled").length;
    console.log(
      `[throttle ${mode}] burst: attempts made 30, checked ${checked}, refused unchecked ${throttled}`,
    );
    expect(results.some((r) => r.kind === "ok")).toBe(false);
    expect(checked).toBe(5);
    expect(throttled).toBe(25);
  });
}

describe("sign-in throttle under a spoofing attacker (embedded)", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance({ seedDemoUsers: true, env: LIMITS });
  });
  afterAll(async () => {
    await server?.close();
  });
  scenarios("embedded", () => [server.url]);
});

describe("sign-in throttle under a spoofing attacker (Redis, two instances)", () => {
  let redis: TestRedisServer;
  let a: TestInstance;
  let b: TestInstance;
  beforeAll(async () => {
    redis = await TestRedisServer.start();
    a = await startInstance({ redisUrl: redis.url, seedDemoUsers: true, env: LIMITS });
    b = await startInstance({ redisUrl: redis.url, env: LIMITS });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });
  // The attacker alternates instances: the counters are shared through Redis.
  scenarios("redis", () => [a.url, b.url]);
});
