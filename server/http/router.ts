import type { IncomingMessage, ServerResponse } from "node:http";
import { ZodError } from "zod";
import { AppError } from "@/lib/protocol/errors";
import type { Logger } from "../logging/logger";
import { isStorageUnavailable, validationError } from "../realtime/error-body";
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

/**
 * The server's own HTTP endpoints (auth, health, metrics, APIs), matched before Next sees the request. They live
 * here rather than in app/api because they need services that exist only in the custom server's module graph.
 */
export class Router {
  private readonly routes: Route[] = [];
  private guard?: RouteGuard;

  constructor(private readonly logger: Logger) {}

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

  /** Returns false when no route matches, so the caller can hand the request to Next. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://internal");
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      allowed.add(route.method);
      if (route.method === "GET") allowed.add("HEAD");
      if (route.method !== req.method && !(route.method === "GET" && req.method === "HEAD")) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? "");
      });
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
    if (err instanceof AppError) return sendError(res, err.toBody());
    if (err instanceof ZodError) return sendError(res, validationError(err, "invalid request"));
    if (isStorageUnavailable(err)) {
      return sendError(res, {
        code: "UNAVAILABLE",
        message: "the server's storage is unreachable; retry shortly",
      });
    }
    this.logger.error({ err, method: req.method, url: req.url }, "http handler failed");
    sendError(res, { code: "INTERNAL", message: "internal error" });
  }
}
