import { ZodError } from "zod";
import { fail, ok, type Ack } from "@/lib/protocol/ack";
import type { SpecPayloadOut } from "@/lib/protocol/define";
import { AppError, type ErrorBody, type ErrorCode } from "@/lib/protocol/errors";
import {
  clientEventSpecs,
  isClientEventName,
  type ClientEventName,
  type ClientEventSpecs,
  type ClientResult,
} from "@/lib/protocol/events";
import type { Logger } from "../logging/logger";
import { isStorageUnavailable, validationError } from "./error-body";
import type { AppSocket } from "./types";

export interface HandlerContext {
  socket: AppSocket;
  user: AppSocket["data"]["user"];
}

export type EventHandler<K extends ClientEventName> = (
  payload: SpecPayloadOut<ClientEventSpecs[K]>,
  ctx: HandlerContext,
) => Promise<ClientResult<K>> | ClientResult<K>;

/** Observes every event, for metrics and abuse limits, without each handler having to. */
export interface EventHooks {
  /** Return an error to refuse the event before validation, e.g. RATE_LIMITED. */
  before?(socket: AppSocket, event: string): ErrorBody | undefined;
  after?(socket: AppSocket, event: string, outcome: "ok" | ErrorCode, ms: number): void;
}

type AnyHandler = (payload: unknown, ctx: HandlerContext) => Promise<object> | object;

/**
 * Binds validated handlers to sockets. Every event goes through one path: hooks, zod validation, the handler,
 * and exactly one ack of the `{ ok, ... }` shape. Nothing a client sends can throw out of here.
 */
export class EventRouter {
  private readonly handlers = new Map<string, AnyHandler>();
  private readonly hooks: EventHooks[] = [];

  constructor(private readonly logger: Logger) {}

  handle<K extends ClientEventName>(event: K, handler: EventHandler<K>): this {
    if (this.handlers.has(event)) throw new Error(`handler for ${event} registered twice`);
    this.handlers.set(event, handler as AnyHandler);
    return this;
  }

  use(hooks: EventHooks): this {
    this.hooks.push(hooks);
    return this;
  }

  attach(socket: AppSocket): void {
    socket.onAny((event: unknown, ...args: unknown[]) => {
      void this.dispatch(socket, event, args);
    });
  }

  private async dispatch(socket: AppSocket, event: unknown, args: unknown[]): Promise<void> {
    const last = args[args.length - 1];
    const ack = typeof last === "function" ? (last as (r: Ack) => void) : undefined;
    const payload = ack && args.length === 1 ? undefined : args[0];
    const name = typeof event === "string" ? event : "";
    const started = performance.now();
    let outcome: "ok" | ErrorCode = "ok";
    const reply = (response: Ack) => {
      if (!ack) return;
      try {
        ack(response);
      } catch (err) {
        this.logger.debug({ err }, "ack failed");
      }
    };
    try {
      for (const hook of this.hooks) {
        const refused = hook.before?.(socket, name);
        if (refused) {
          outcome = refused.code;
          reply(fail(refused));
          return;
        }
      }
      const handler = isClientEventName(name) ? this.handlers.get(name) : undefined;
      if (!handler) {
        outcome = "NOT_FOUND";
        reply(fail({ code: "NOT_FOUND", message: `unknown event "${name.slice(0, 64)}"` }));
        return;
      }
      const spec = clientEventSpecs[name as ClientEventName];
      const parsed = spec.payload.safeParse(payload);
      if (!parsed.success) {
        const body = validationError(parsed.error);
        outcome = body.code;
        reply(fail(body));
        return;
      }
      const result = await handler(parsed.data, { socket, user: socket.data.user });
      reply(ok(result));
    } catch (err) {
      const body = this.toErrorBody(err, name, socket);
      outcome = body.code;
      reply(fail(body));
    } finally {
      const ms = performance.now() - started;
      for (const hook of this.hooks) {
        try {
          hook.after?.(socket, name, outcome, ms);
        } catch (err) {
          this.logger.warn({ err }, "event hook failed");
        }
      }
    }
  }

  private toErrorBody(err: unknown, event: string, socket: AppSocket): ErrorBody {
    if (err instanceof AppError) return err.toBody();
    if (err instanceof ZodError) return validationError(err);
    if (isStorageUnavailable(err)) {
      return { code: "UNAVAILABLE", message: "the server's storage is unreachable; retry shortly" };
    }
    this.logger.error({ err, event, user: socket.data.user?.name }, "event handler failed");
    return { code: "INTERNAL", message: "internal error; retry shortly" };
  }
}
