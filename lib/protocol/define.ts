import type { z } from "zod";

/**
 * A client-to-server event: its payload schema (validated on the server) and, as a phantom type, the data
 * its success ack carries. The same object types the client's `emit` and the server's handler.
 */
export interface ClientEventSpec<P extends z.ZodType = z.ZodType, R extends object = object> {
  readonly payload: P;
  readonly __result?: R;
}

export function clientEvent<R extends object = object>() {
  return <P extends z.ZodType>(payload: P): ClientEventSpec<P, R> => ({ payload });
}

export type SpecPayloadIn<S> = S extends ClientEventSpec<infer P> ? z.input<P> : never;
export type SpecPayloadOut<S> = S extends ClientEventSpec<infer P> ? z.output<P> : never;
export type SpecResult<S> = S extends ClientEventSpec<z.ZodType, infer R> ? R : never;
