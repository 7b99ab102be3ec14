import { parse } from "node:url";
import type { PageHandler } from "../app";

/** Next.js in the same process: dev mode with hot reload, or the production build in `.next`. */
export async function createNextPages(opts: {
  dev: boolean;
  dir: string;
  hostname: string;
  port: number;
}): Promise<PageHandler> {
  const { default: next } = await import("next");
  const app = next({ dev: opts.dev, dir: opts.dir, hostname: opts.hostname, port: opts.port });
  await app.prepare();
  const handle = app.getRequestHandler();
  return {
    handle: (req, res) => handle(req, res, parse(req.url ?? "/", true)),
    close: () => app.close(),
  };
}
