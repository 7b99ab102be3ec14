import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateTokenResponse, TokensResponse } from "@/lib/protocol/tokens";
import { MAX_TOKENS_PER_USER } from "@/server/auth/token-store";
import { eventually } from "@/server/metrics/test-helpers";
import { sessionCookieFor, tokenFor } from "@/server/testing/clients";
import { startInstance, type TestInstance } from "@/server/testing/instance";

/** The token API under a hostile caller: probing ids, oversized or extra fields, other origins, floods. */
describe("API tokens under an adversary", () => {
  let server: TestInstance;
  let cookie: string;
  beforeAll(async () => {
    server = await startInstance({ env: { API_TOKEN_MAX_DAYS: "30" } });
    cookie = await sessionCookieFor("mallory");
  });
  afterAll(async () => {
    await server.close();
  });

  const create = (body: unknown, headers: Record<string, string> = { cookie }) =>
    fetch(`${server.url}/api/tokens`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const list = async (headers: Record<string, string> = { cookie }) =>
    (await (await fetch(`${server.url}/api/tokens`, { headers })).json()) as TokensResponse;

  it("probing ids answers NOT_FOUND alike, prototype names included", async () => {
    const victim = await tokenFor("victim");
    const [theirs] = (await list({ authorization: `Bearer ${victim}` })).tokens;
    for (const id of ["constructor", "__proto__", "toString", "x".repeat(5_000), theirs!.id, "%00"]) {
      const res = await fetch(`${server.url}/api/tokens/${encodeURIComponent(id)}`, {
        method: "DELETE",
        headers: { cookie },
      });
      expect([404, 414, 431], id.slice(0, 20)).toContain(res.status);
      if (res.status === 404)
        expect(await res.json()).toEqual({
          ok: false,
          error: { code: "NOT_FOUND", message: "no such token" },
        });
    }
    expect((await list({ authorization: `Bearer ${victim}` })).tokens).toHaveLength(1);
  });

  it("refuses lifetimes past API_TOKEN_MAX_DAYS, extra fields, bad names, other origins and bearer minting", async () => {
    expect((await create({ ttlSeconds: 31 * 86_400 })).status).toBe(400);
    expect((await create({ ttlSeconds: 600, role: "admin" })).status).toBe(400);
    expect((await create({ ttlSeconds: 600, name: "x".repeat(65) })).status).toBe(400);
    expect((await create({ ttlSeconds: 600, name: "   " })).status).toBe(400);
    expect((await create({ ttlSeconds: 600 }, { cookie, origin: "https://evil.example" })).status).toBe(403);
    expect(
      (await create({ ttlSeconds: 600 }, { authorization: `Bearer ${await tokenFor("mallory")}` })).status,
    ).toBe(401);
    const ok = await create({ ttlSeconds: 30 * 86_400, name: "<img src=x onerror=alert(1)>" });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as CreateTokenResponse;
    expect(body.record).toMatchObject({
      name: "<img src=x onerror=alert(1)>",
      owner: "mallory",
      lastUsedAt: null,
    });
    expect(body.record.expiresAt - body.record.createdAt).toBe(30 * 86_400_000);
  });

  it("records the last use of a token", async () => {
    const res = await create({ ttlSeconds: 600, name: "used" });
    const { token, record } = (await res.json()) as CreateTokenResponse;
    await fetch(`${server.url}/api/sessions`, { headers: { authorization: `Bearer ${token}` } });
    await eventually(async () => {
      const found = (await list()).tokens.find((t) => t.id === record.id);
      expect(found?.lastUsedAt).toBeGreaterThanOrEqual(record.createdAt);
    });
  });

  it(`caps one user at ${MAX_TOKENS_PER_USER} live tokens`, async () => {
    const flooder = await sessionCookieFor("flooder");
    const statuses: number[] = [];
    for (let i = 0; i < MAX_TOKENS_PER_USER + 2; i++)
      statuses.push((await create({ ttlSeconds: 600 }, { cookie: flooder })).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(MAX_TOKENS_PER_USER);
    expect(statuses.slice(-2)).toEqual([409, 409]);
  }, 120_000);
});
