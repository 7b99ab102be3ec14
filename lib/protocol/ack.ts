import type { ErrorBody } from "./errors";

/** The one shape of every acknowledgement: success with data, or an error with a stable code. */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };

export type AckFn<T extends object = object> = (response: Ack<T>) => void;

export function ok<T extends object>(data: T): { ok: true } & T {
  return { ok: true, ...data };
}

export function fail(error: ErrorBody): { ok: false; error: ErrorBody } {
  return { ok: false, error };
}
