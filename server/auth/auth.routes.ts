import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseCookies } from "cookie";
import NextAuthImport, { type AuthOptions } from "next-auth";
import { AppError } from "@/lib/protocol/errors";
import { readForm, readJson } from "../http/body";
import { sendError, sendJson } from "../http/respond";
import type { Router } from "../http/router";
import {
  createTokenRequest,
  type CreateTokenResponse,
  type RevokeTokenResponse,
  type TokenSummary,
  type TokensResponse,
} from "@/lib/protocol/tokens";
import type { Logger } from "../logging/logger";
import { requestActor } from "../audit/actor";
import type { ClientIpResolver } from "../http/client-ip";
import { requirePrincipal, requireSameOrigin } from "../registry/http-auth";
import { issueApiToken, tokenIdSchema } from "./api-tokens";
import type { Authenticator } from "./authenticator";
import { cjsDefault } from "./interop";
import type { AuthRequestContext } from "./next-auth-options";
import { TooManyTokensError, type TokenRecord, type TokenStore } from "./token-store";

/** next-auth's OAuth state cookie, `__Secure-` prefixed behind an HTTPS public URL. */
const STATE_COOKIES = ["next-auth.state", "__Secure-next-auth.state"];

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

export interface AuthRoutesDeps {
  options: AuthOptions;
  authenticator: Authenticator;
  secret: string;
  tokens: TokenStore;
  /** The longest lifetime of a new token (`API_TOKEN_MAX_DAYS`). */
  maxTokenTtlSeconds: number;
  allowedOrigins: string[];
  logger: Logger;
  /** A credential was revoked here: the sockets of this instance are checked again at once. */
  onRevoked(): void;
  /** Whose address a request comes from, for the audit log. */
  clientIps: ClientIpResolver;
  /**
   * Runs next-auth's handler with the request's address at hand: next-auth's OAuth callbacks get no request, and
   * the audit entry of a sign-in needs it.
   */
  withAuthRequest<T>(request: AuthRequestContext, fn: () => Promise<T>): Promise<T>;
}

const summary = ({ id, name, owner, createdAt, lastUsedAt, expiresAt }: TokenRecord): TokenSummary => ({
  id,
  name,
  owner,
  createdAt,
  lastUsedAt,
  expiresAt,
});

export function registerAuthRoutes(router: Router, deps: AuthRoutesDeps): void {
  router.on(["GET", "POST"], "/api/auth/*", ({ req, res, url, params }) => {
    const run = () =>
      runNextAuth(req, res, url, (params.rest ?? "").split("/").filter(Boolean), deps.options);
    const cookies = parseCookies(req.headers.cookie ?? "");
    const stateCookie = STATE_COOKIES.some((name) => Object.hasOwn(cookies, name));
    return deps.withAuthRequest({ ip: deps.clientIps.of(req), stateCookie }, run);
  });

  // Minting needs a signed-in browser session; a token cannot mint another token to outlive itself.
  router.on("POST", "/api/tokens", async ({ req, res }) => {
    const auth = await deps.authenticator.fromCookies(req.headers);
    if (!auth.ok) return sendError(res, { code: "UNAUTHORIZED", message: "sign in to create an API token" });
    if (auth.principal.via !== "session")
      throw new AppError("FORBIDDEN", "API tokens can only be created from a session");
    requireSameOrigin(req, deps.allowedOrigins);
    const { name, ttlSeconds } = createTokenRequest.parse(await readJson(req));
    if (ttlSeconds > deps.maxTokenTtlSeconds)
      throw new AppError("VALIDATION", `a token lives at most ${deps.maxTokenTtlSeconds / 86_400} days`, {
        maxTtlSeconds: deps.maxTokenTtlSeconds,
      });
    let issued;
    try {
      issued = await issueApiToken({
        secret: deps.secret,
        tokens: deps.tokens,
        user: auth.principal,
        name,
        ttlSeconds,
        maxTtlSeconds: deps.maxTokenTtlSeconds,
        audit: requestActor(deps.clientIps, req, auth.principal),
      });
    } catch (err) {
      if (err instanceof TooManyTokensError) throw new AppError("CONFLICT", err.message);
      throw err;
    }
    deps.logger.info({ user: auth.principal.name, tokenId: issued.record.id }, "API token created");
    const body: CreateTokenResponse = {
      ok: true,
      token: issued.token,
      expiresAt: issued.record.expiresAt,
      user: auth.principal.name,
      record: summary(issued.record),
    };
    sendJson(res, 201, body);
  });

  router.on("GET", "/api/tokens", async ({ req, res }) => {
    const principal = await requirePrincipal(deps.authenticator, req, "list your API tokens");
    const body: TokensResponse = {
      ok: true,
      tokens: (await deps.tokens.listFor(principal.name)).map(summary),
      maxTtlSeconds: deps.maxTokenTtlSeconds,
    };
    sendJson(res, 200, body);
  });

  // The owner revokes their own tokens, an admin (as the store says now) any token. Someone else's token id
  // answers NOT_FOUND, as an unknown one does, so ids cannot be probed.
  router.on("DELETE", "/api/tokens/:tokenId", async ({ req, res, params }) => {
    const principal = await requirePrincipal(deps.authenticator, req, "revoke an API token");
    requireSameOrigin(req, deps.allowedOrigins);
    const id = tokenIdSchema.safeParse(params.tokenId);
    const record = id.success ? await deps.tokens.get(id.data) : undefined;
    if (!record || (record.owner !== principal.name && principal.role !== "admin"))
      throw new AppError("NOT_FOUND", "no such token");
    const revoked = await deps.tokens.revoke(record.id, {
      ...requestActor(deps.clientIps, req, principal),
      action: "token.revoke",
      target: { kind: "token", id: record.id },
      details: { name: record.name, owner: record.owner },
    });
    if (!revoked) throw new AppError("NOT_FOUND", "no such token");
    deps.authenticator.forget({ tokenId: record.id });
    deps.onRevoked();
    deps.logger.info({ by: principal.name, owner: record.owner, tokenId: record.id }, "API token revoked");
    const body: RevokeTokenResponse = { ok: true, revoked: summary(revoked) };
    sendJson(res, 200, body);
  });
}
