import { ZodError } from "zod";
import { fail } from "@/lib/protocol/ack";
import { AppError, type ErrorBody, type ErrorCode } from "@/lib/protocol/errors";

/**
 * The one error path: whatever a socket handler, an `/admin` handler or an HTTP route throws becomes the same
 * `{ code, message, details? }` body, here. Sockets send it in an ack, HTTP with the status its code maps to.
 */

/** A zod failure as the client sees it: the first issue in words (with its field), all of them in details. */
export function validationError(err: ZodError): ErrorBody {
  const issue = err.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return {
    code: "VALIDATION",
    message: `${where}${issue?.message ?? "invalid payload"}`,
    details: { issues: err.issues.slice(0, 10).map((i) => ({ path: i.path.join("."), message: i.message })) },
  };
}

/** Socket errors of a connection that could not be made or was cut. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH"]);

/**
 * PostgreSQL's SQLSTATEs for a server out of reach for now: connection exceptions (class 08), the server shutting
 * down, crashed or starting up (57P01-57P03), too many connections (53300).
 */
const PG_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;

/**
 * Errors raised while the storage is unreachable: ioredis's while Redis (or a Cluster shard) is away, pg's while
 * PostgreSQL is. Worth a retry, not a bug report.
 */
export function isStorageUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || PG_UNAVAILABLE.test(code))) return true;
  return /Connection is closed|Command timed out|Stream isn't writeable|MaxRetriesPerRequest|ECONNREFUSED|CLUSTERDOWN|TRYAGAIN|LOADING|MOVED|ASK|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    err.message,
  );
}

export const STORAGE_UNAVAILABLE: ErrorBody = {
  code: "UNAVAILABLE",
  message: "the server's storage is unreachable; retry shortly",
};

export const INTERNAL_ERROR: ErrorBody = { code: "INTERNAL", message: "internal error; retry shortly" };

/**
 * Any thrown value as the body a client receives: an AppError as it says, a zod failure as VALIDATION, an
 * unreachable store as UNAVAILABLE. Anything else is a bug: `unexpected` gets it (to log it with its context)
 * and the client learns nothing about it but INTERNAL.
 */
export function toErrorBody(err: unknown, unexpected: (err: unknown) => void): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  if (err instanceof ZodError) return validationError(err);
  if (isStorageUnavailable(err)) return { ...STORAGE_UNAVAILABLE };
  unexpected(err);
  return { ...INTERNAL_ERROR };
}

const STATUS: Record<ErrorCode, number> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  VALIDATION: 400,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  CONNECTION_LIMIT: 429,
  DRAINING: 503,
  UNAVAILABLE: 503,
  PAYLOAD_TOO_LARGE: 413,
  QUOTA_EXCEEDED: 429,
  UNSUPPORTED_PROTOCOL: 400,
  INTERNAL: 500,
};

/** The status of an error's code, except that a spent storage quota is 413 (the body is too large for what is left), not 429. */
export function statusForError(error: ErrorBody): number {
  if (error.code === "QUOTA_EXCEEDED" && error.details?.unit === "bytes") return 413;
  return STATUS[error.code];
}

/** The HTTP face of an error: the same `{ ok: false, error }` body as an ack, and the status of its code. */
export function httpError(error: ErrorBody): { status: number; body: { ok: false; error: ErrorBody } } {
  return { status: statusForError(error), body: fail(error) };
}
