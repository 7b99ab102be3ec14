import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/protocol/errors";
import { testLogger } from "../testing/logger";
import { sendJson } from "./respond";
import { Router } from "./router";

describe("Router", () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const router = new Router(testLogger(), { allowedOrigins: ["http://app.example"] })
      .on("GET", "/api/things/:id", ({ res, params }) => sendJson(res, 200, { ok: true, id: params.id }))
      .on(["PUT", "DELETE"], "/api/things/:id", ({ res, req }) =>
        sendJson(res, 200, { ok: true, m: req.method }),
      )
      .on("POST", "/api/strict", () => {
        z.object({ n: z.number() }).parse({ n: "x" });
      })
      .on("GET", "/api/missing", () => {
        throw new AppError("NOT_FOUND", "no such thing");
      });
    server = createServer((req, res) => {
      void router.handle(req, res).then((handled) => {
        if (!handled) sendJson(res, 299, { passedOn: true });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("captures and decodes path segments, and answers HEAD on a GET route", async () => {
    const res = await fetch(`${base}/api/things/a%20b`);
    expect(await res.json()).toEqual({ ok: true, id: "a b" });
    expect((await fetch(`${base}/api/things/x`, { method: "HEAD" })).status).toBe(200);
    expect(await (await fetch(`${base}/api/things/x`, { method: "DELETE" })).json()).toEqual({
      ok: true,
      m: "DELETE",
    });
  });

  it("answers 405 with the allowed methods when the path is known but the method is not", async () => {
    const res = await fetch(`${base}/api/things/x`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("DELETE, GET, HEAD, PUT");
    expect(await res.json()).toMatchObject({ ok: false, error: { code: "METHOD_NOT_ALLOWED" } });
  });

  it("leaves unknown paths to the next handler", async () => {
    expect(await (await fetch(`${base}/somewhere/else`)).json()).toEqual({ passedOn: true });
  });

  it("turns thrown errors into error bodies with their status", async () => {
    const strict = await fetch(`${base}/api/strict`, { method: "POST" });
    expect(strict.status).toBe(400);
    expect(await strict.json()).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const missing = await fetch(`${base}/api/missing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      ok: false,
      error: { code: "NOT_FOUND", message: "no such thing" },
    });
  });

  it("answers 400, not 500, to a malformed percent-escape in a path segment", async () => {
    for (const bad of ["%E0%A4%A", "%", "%zz", "a%2"]) {
      const res = await fetch(`${base}/api/things/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    }
    // Also on paths that are not ours (Next's pages would answer 500).
    expect((await fetch(`${base}/somewhere/%zz`)).status).toBe(400);
  });

  it("refuses a state-changing request from another origin or site, whatever the route", async () => {
    const put = (headers: Record<string, string>) =>
      fetch(`${base}/api/things/x`, { method: "PUT", headers });
    expect((await put({ origin: "http://evil.example" })).status).toBe(403);
    expect((await put({ origin: "null" })).status).toBe(403);
    expect((await put({ "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await put({ "sec-fetch-site": "same-site" })).status).toBe(403);
    expect((await put({ origin: "http://app.example" })).status).toBe(200);
    expect((await put({ "sec-fetch-site": "same-origin" })).status).toBe(200);
    // Not a browser: no Origin and no Sec-Fetch-Site (curl, scripts).
    expect((await put({})).status).toBe(200);
    // A bearer token cannot be attached by another site's page, so it needs no Origin check.
    expect((await put({ origin: "http://evil.example", authorization: "Bearer abc" })).status).toBe(200);
    // Reads are not checked.
    expect((await fetch(`${base}/api/things/x`, { headers: { origin: "http://evil.example" } })).status).toBe(
      200,
    );
  });
});
