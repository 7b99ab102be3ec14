import type { ServerResponse } from "node:http";
import type { ErrorBody } from "@/lib/protocol/errors";
import { httpError } from "../errors";

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
  const { status, body } = httpError(error);
  sendJson(res, status, body, headers);
}
