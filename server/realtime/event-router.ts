import { fail, ok, type Ack } from "@/lib/protocol/ack";
import type { ClientEventSpec, SpecPayloadOut, SpecResult } from "@/lib/protocol/define";
import type { ErrorBody, ErrorCode } from "@/lib/protocol/errors";
import { clientEventSpecs, type ClientEventSpecs } from "@/lib/protocol/events";
import { toErrorBody } from "../errors";
import type { Logger } from "../logging/logger";
import type { AppSocket, SocketData } from "./types";

/** What the router needs of a socket, in any namespace. */
export interface RoutedSocket {
  data: SocketData;
  /** Socket.IO calls `listener` with the socket as `this`. */
  onAny(listener: (this: never, event: unknown, ...args: unknown[]) => void): unknown;
}

type EventSpecs = Record<string, ClientEventSpec>;

export interface HandlerContext<S extends RoutedSocket = AppSocket> {
  socket: S;
  user: SocketData["user"];
}

export type EventHandler<
  Specs extends EventSpecs,
  K extends keyof Specs,
  S extends RoutedSocket = AppSocket,
> = (
  payload: SpecPayloadOut<Specs[K]>,
  ctx: HandlerContext<S>,
) => Promise<SpecResult<Specs[K]>> | SpecResult<Specs[K]>;

/** Every event of a spec table with its handler. */
export type EventHandlers<Specs extends EventSpecs, S extends RoutedSocket = AppSocket> = {
  [K in keyof Specs]: EventHandler<Specs, K, S>;
};

/** Observes every event, for metrics, abuse limits and permission checks, without each handler having to. */
export interface EventHooks<S extends RoutedSocket = AppSocket> {
  /**
   * Return an error to refuse the event before validation, e.g. RATE_LIMITED. May be async (a permission read from
   * a store); what it throws is answered like a handler's error.
   */
  before?(socket: S, event: string): ErrorBody | undefined | Promise<ErrorBody | undefined>;
  /** After the ack was sent (or would have been). */
  after?(socket: S, event: string, outcome: "ok" | ErrorCode, ms: number): void;
}

export interface EventRouterOptions {
  /** Events sent without an ack are dropped unseen: in a namespace where every event is a request. */
  requireAck?: boolean;
}

type AnyHandler = (payload: unknown, ctx: HandlerContext<never>) => Promise<object> | object;

/**
 * Binds validated handlers to sockets, for one namespace and its table of event specs (`/` by default). Every
 * event goes through one path: hooks, zod validation, the handler, and exactly one ack of the `{ ok, ... }` shape,
 * with errors mapped by `server/errors.ts`. Nothing a client sends can throw out of here.
 */
export class EventRouter<Specs extends EventSpecs = ClientEventSpecs, S extends RoutedSocket = AppSocket> {
  private readonly handlers = new Map<string, AnyHandler>();
  private readonly hooks: EventHooks<S>[] = [];
  private readonly specs: Specs;
  /**
   * One listener shared by every socket: Socket.IO calls it with the socket as `this`, so attaching a socket
   * allocates no closure.
   */
  private readonly listener: (this: S, event: unknown, ...args: unknown[]) => void;

  constructor(
    private readonly logger: Logger,
    specs?: Specs,
    private readonly opts: EventRouterOptions = {},
  ) {
    this.specs = specs ?? (clientEventSpecs as unknown as Specs);
    const dispatch = (socket: S, event: unknown, args: unknown[]) => void this.dispatch(socket, event, args);
    this.listener = function (this: S, event: unknown, ...args: unknown[]) {
      dispatch(this, event, args);
    };
  }

  handle<K extends keyof Specs & string>(event: K, handler: EventHandler<Specs, K, S>): this {
    if (!Object.hasOwn(this.specs, event)) throw new Error(`no event spec for ${event}`);
    if (this.handlers.has(event)) throw new Error(`handler for ${event} registered twice`);
    this.handlers.set(event, handler as unknown as AnyHandler);
    return this;
  }

  /** Registers a handler for every event of the table at once. */
  handleAll(handlers: EventHandlers<Specs, S>): this {
    for (const event of Object.keys(this.specs)) this.handle(event, handlers[event]!);
    return this;
  }

  use(hooks: EventHooks<S>): this {
    this.hooks.push(hooks);
    return this;
  }

  attach(socket: S): void {
    socket.onAny(this.listener);
  }

  private async dispatch(socket: S, event: unknown, args: unknown[]): Promise<void> {
    const last = args[args.length - 1];
    const ack = typeof last === "function" ? (last as (r: Ack) => void) : undefined;
    if (!ack && this.opts.requireAck) return;
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
    const refuse = (body: ErrorBody) => {
      outcome = body.code;
      reply(fail(body));
    };
    try {
      for (const hook of this.hooks) {
        const verdict = hook.before?.(socket, name);
        // Synchronous hooks stay synchronous: events of one socket reach their handlers in the order sent.
        const refused = verdict instanceof Promise ? await verdict : verdict;
        if (refused) return refuse(refused);
      }
      const handler = Object.hasOwn(this.specs, name) ? this.handlers.get(name) : undefined;
      if (!handler) return refuse({ code: "NOT_FOUND", message: `unknown event "${name.slice(0, 64)}"` });
      const parsed = this.specs[name]!.payload.safeParse(payload);
      if (!parsed.success) throw parsed.error;
      const result = await handler(parsed.data, { socket, user: socket.data.user } as HandlerContext<never>);
      reply(ok(result));
    } catch (err) {
      refuse(
        toErrorBody(err, (e) =>
          this.logger.error({ err: e, event: name, user: socket.data.user?.name }, "event handler failed"),
        ),
      );
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
}
