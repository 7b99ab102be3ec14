import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@/lib/protocol/errors";
import { toErrorBody } from "../errors";
import type { Logger } from "../logging/logger";
import { sendError } from "./respond";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;

/** Runs before a matched route's handler, with the route as registered; throwing answers with that error. */
export type RouteGuard = (req: IncomingMessage, path: string) => Promise<void>;

interface Route {
  method: string;
  /** As registered, e.g. `/api/sessions/:connectionId`. */
  path: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

export interface RouterOptions {
  /** Origins whose pages may change state with the user's cookie (ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
}

/** Methods that only read; every other one changes state and is checked for cross-site forgery. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A request that changes state and may carry the user's cookie must come from one of our pages. Browsers send
 * `Origin` on every cross-origin request that is not a GET; when it is missing (old browsers, some same-origin
 * requests), `Sec-Fetch-Site` still tells a cross-site one apart. A request with a bearer token is exempt: no
 * browser attaches that by itself, so it cannot be forged from another site.
 */
function forgeryCheck(req: IncomingMessage, allowedOrigins: readonly string[]): AppError | undefined {
  if (SAFE_METHODS.has(req.method ?? "GET")) return undefined;
  if (/^Bearer\s/i.test(req.headers.authorization ?? "")) return undefined;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    return allowedOrigins.includes(origin)
      ? undefined
      : new AppError("FORBIDDEN", `origin ${origin.slice(0, 100)} is not allowed`);
  }
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site")
    return new AppError("FORBIDDEN", "cross-site requests cannot change anything here");
  return undefined;
}

/** `decodeURIComponent` that answers undefined for a malformed escape such as `%E0%A4%A` instead of throwing. */
export function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/**
 * The server's own HTTP endpoints (auth, health, metrics, APIs), matched before Next sees the request. They live
 * here rather than in app/api because they need services that exist only in the custom server's module graph.
 */
export class Router {
  private readonly routes: Route[] = [];
  private guard?: RouteGuard;

  constructor(
    private readonly logger: Logger,
    private readonly opts: RouterOptions,
  ) {}

  /** `path` segments starting with `:` capture one segment; a trailing `*` captures the rest as `rest`. */
  on(method: string | string[], path: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const source = path
      .split("/")
      .map((seg) => {
        if (seg === "*") {
          keys.push("rest");
          return "(.*)";
        }
        if (seg.startsWith(":")) {
          keys.push(seg.slice(1));
          return "([^/]+)";
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    for (const m of Array.isArray(method) ? method : [method]) {
      this.routes.push({ method: m, path, pattern: new RegExp(`^${source}/?$`), keys, handler });
    }
    return this;
  }

  /** Sets the guard every matched request passes first (per-user and per-address quotas). */
  guardWith(guard: RouteGuard): this {
    this.guard = guard;
    return this;
  }

  /** Every registered route, one per method, with the pattern its path compiles to (for coverage checks). */
  list(): { method: string; path: string; pattern: RegExp }[] {
    return this.routes.map(({ method, path, pattern }) => ({ method, path, pattern }));
  }

  /**
   * Returns false when no route matches, so the caller can hand the request to Next. A path that cannot be decoded
   * is answered 400 here whether or not a route matches.
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://internal");
    } catch {
      sendError(res, { code: "VALIDATION", message: "malformed request target" });
      return true;
    }
    // Checked for every path, not only ours: Next's pages answer 500 to a path they cannot decode.
    if (safeDecode(url.pathname) === undefined) {
      sendError(res, { code: "VALIDATION", message: "malformed percent-escape in the path" });
      return true;
    }
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      allowed.add(route.method);
      if (route.method === "GET") allowed.add("HEAD");
      if (route.method !== req.method && !(route.method === "GET" && req.method === "HEAD")) continue;
      // Keys come from the route's declaration, never from the request.
      const params: Record<string, string> = {};
      for (const [i, k] of route.keys.entries()) {
        const value = safeDecode(m[i + 1] ?? "");
        if (value === undefined) {
          sendError(res, { code: "VALIDATION", message: "malformed percent-escape in the path" });
          return true;
        }
        params[k] = value;
      }
      const forged = forgeryCheck(req, this.opts.allowedOrigins);
      if (forged) {
        sendError(res, forged.toBody());
        return true;
      }
      try {
        await this.guard?.(req, route.path);
        await route.handler({ req, res, url, params });
      } catch (err) {
        this.fail(res, err, req);
      }
      return true;
    }
    if (allowed.size > 0) {
      const allow = [...allowed].sort().join(", ");
      sendError(
        res,
        {
          code: "METHOD_NOT_ALLOWED",
          message: `${req.method} is not supported on ${url.pathname}; use ${allow}`,
        },
        { allow },
      );
      return true;
    }
    return false;
  }

  private fail(res: ServerResponse, err: unknown, req: IncomingMessage): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(
      res,
      toErrorBody(err, (e) =>
        this.logger.error({ err: e, method: req.method, url: req.url }, "http handler failed"),
      ),
    );
  }
}
