/**
 * Every error a client can receive, in acks and in `connect_error`. Codes are stable API; messages are for
 * people. `retryable` tells a client whether sending the same request again (same opId) can succeed.
 */
export const ERROR_CODES = {
  UNAUTHORIZED: { retryable: false },
  FORBIDDEN: { retryable: false },
  VALIDATION: { retryable: false },
  NOT_FOUND: { retryable: false },
  METHOD_NOT_ALLOWED: { retryable: false },
  CONFLICT: { retryable: false },
  RATE_LIMITED: { retryable: true },
  CONNECTION_LIMIT: { retryable: true },
  DRAINING: { retryable: true },
  UNAVAILABLE: { retryable: true },
  PAYLOAD_TOO_LARGE: { retryable: false },
  /** A per-user (or per-address) quota is spent; `details` names it, with `limit`, `used` and `retryAfterMs` when a window will reopen. */
  QUOTA_EXCEEDED: { retryable: false },
  UNSUPPORTED_PROTOCOL: { retryable: false },
  INTERNAL: { retryable: true },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Structured context, e.g. `{ limit, active }` or the current value on CONFLICT. */
  details?: Record<string, unknown>;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}

export function isRetryable(code: ErrorCode): boolean {
  return ERROR_CODES[code].retryable;
}

/** Thrown inside handlers and stores; the handler wrapper turns it into an error ack. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }

  toBody(): ErrorBody {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}
