import type { ErrorCode } from "@/lib/protocol/errors";

/** The error a Socket.IO middleware passes to `next()`: the client sees `err.message` = code, `err.data`. */
export function connectError(code: ErrorCode, message: string, details: Record<string, unknown> = {}): Error {
  const err = new Error(code) as Error & { data: Record<string, unknown> };
  err.data = { code, message, ...details };
  return err;
}
