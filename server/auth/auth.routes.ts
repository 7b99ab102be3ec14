import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseCookies } from "cookie";
import NextAuthImport, { type AuthOptions } from "next-auth";
import { z } from "zod";
import { AppError } from "@/lib/protocol/errors";
import { readForm, readJson } from "../http/body";
import { sendError, sendJson } from "../http/respond";
import type { Router } from "../http/router";
import { DEFAULT_TOKEN_TTL_S, MAX_TOKEN_TTL_S, mintApiToken } from "./api-tokens";
import type { Authenticator } from "./authenticator";
import { cjsDefault } from "./interop";

type PagesHandler = (req: unknown, res: unknown, options: AuthOptions) => Promise<void>;
const NextAuth = cjsDefault(NextAuthImport) as unknown as PagesHandler;

/**
 * next-auth v4's pages-router handler wants `req.query`, `req.body`, `req.cookies` and `res.status/send/json`.
 * This adapts a plain Node request so that next-auth runs inside the custom server, next to the user store.
 */
async function runNextAuth(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  segments: string[],
  options: AuthOptions,
) {
  const body = req.method === "POST" ? await readForm(req) : undefined;
  const shimReq = Object.assign(req, {
    query: { ...Object.fromEntries(url.searchParams), nextauth: segments },
    body,
    cookies: parseCookies(req.headers.cookie ?? ""),
  });
  const shimRes = Object.assign(res, {
    status(code: number) {
      res.statusCode = code;
      return shimRes;
    },
    json(data: unknown) {
      if (!res.getHeader("content-type")) res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(data));
    },
    send(data: unknown) {
      if (typeof data === "string" || Buffer.isBuffer(data)) {
        if (!res.getHeader("content-type")) res.setHeader("content-type", "text/html; charset=utf-8");
        res.end(data);
      } else if (data === undefined || data === null) {
        res.end();
      } else {
        shimRes.json(data);
      }
    },
  });
  res.setHeader("cache-control", "no-store");
  await NextAuth(shimReq, shimRes, options);
}

const tokenRequest = z.strictObject({
  ttlSeconds: z.number().int().min(60).max(MAX_TOKEN_TTL_S).default(DEFAULT_TOKEN_TTL_S),
});

export interface AuthRoutesDeps {
  options: AuthOptions;
  authenticator: Authenticator;
  secret: string;
}

export function registerAuthRoutes(router: Router, deps: AuthRoutesDeps): void {
  router.on(["GET", "POST"], "/api/auth/*", ({ req, res, url, params }) =>
    runNextAuth(req, res, url, (params.rest ?? "").split("/").filter(Boolean), deps.options),
  );

  // Minting needs a signed-in browser session; a token cannot mint another token to outlive itself.
  router.on("POST", "/api/tokens", async ({ req, res }) => {
    const auth = await deps.authenticator.fromCookies(req.headers);
    if (!auth.ok) return sendError(res, { code: "UNAUTHORIZED", message: "sign in to create an API token" });
    if (auth.principal.via !== "session")
      throw new AppError("FORBIDDEN", "API tokens can only be created from a session");
    const { ttlSeconds } = tokenRequest.parse(await readJson(req));
    const minted = await mintApiToken(deps.secret, auth.principal, ttlSeconds);
    sendJson(res, 201, {
      ok: true,
      token: minted.token,
      expiresAt: minted.expiresAt,
      user: auth.principal.name,
    });
  });
}
