import pino, { type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  level: string;
  /** Human-readable output for development; JSON otherwise. */
  pretty?: boolean;
  /** Write to stderr, e.g. for CLIs whose stdout is their result. */
  stderr?: boolean;
  base?: Record<string, unknown>;
}

/** Paths that may carry credentials. Logs are shipped to places secrets must never reach. */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "authorization",
  "*.authorization",
  "cookie",
  "*.cookie",
  "headers.cookie",
  "headers.authorization",
  "req.headers.cookie",
  "req.headers.authorization",
  "auth.token",
  "handshake.auth.token",
];

export function createLogger(opts: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: opts.base ?? {},
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const fd = opts.stderr ? 2 : 1;
  if (opts.pretty) {
    return pino({
      ...options,
      transport: {
        target: "pino-pretty",
        options: { destination: fd, colorize: true, ignore: "pid,hostname" },
      },
    });
  }
  return pino(options, pino.destination({ fd, sync: false }));
}
