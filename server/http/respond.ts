import type { ServerResponse } from "node:http";
import type { ErrorBody, ErrorCode } from "@/lib/protocol/errors";

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

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(data),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(data);
}

/** The HTTP face of an error ack: same `{ ok: false, error }` body, status from the code. */
export function sendError(res: ServerResponse, error: ErrorBody, headers?: Record<string, string>): void {
  sendJson(res, statusForError(error), { ok: false, error }, headers);
}

export function statusForCode(code: ErrorCode): number {
  return STATUS[code];
}

/** As `statusForCode`, except that a spent storage quota is 413 (the body is too large for what is left), not 429. */
export function statusForError(error: ErrorBody): number {
  if (error.code === "QUOTA_EXCEEDED" && error.details?.unit === "bytes") return 413;
  return STATUS[error.code];
}
