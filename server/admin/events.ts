import { ZodError } from "zod";
import { fail, ok, type Ack } from "@/lib/protocol/ack";
import { adminClientEvents, type AdminEventName, type AdminEventSpecs } from "@/lib/protocol/admin";
import type { SpecPayloadOut, SpecResult } from "@/lib/protocol/define";
import { AppError } from "@/lib/protocol/errors";
import type { Authenticator } from "../auth/authenticator";
import type { Logger } from "../logging/logger";
import { isStorageUnavailable, validationError } from "../realtime/error-body";
import type { AdminSocket } from "./namespace";

export type AdminHandler<K extends AdminEventName> = (
  payload: SpecPayloadOut<AdminEventSpecs[K]>,
  socket: AdminSocket,
) => Promise<SpecResult<AdminEventSpecs[K]>> | SpecResult<AdminEventSpecs[K]>;

export type AdminHandlers = { [K in AdminEventName]: AdminHandler<K> };

export interface AdminEventDeps {
  authenticator: Authenticator;
  logger: Logger;
  /**
   * Events answered on the handshake's check alone. `admin:history` is what the panel needs during a Redis
   * outage, when the user store cannot be asked; everything else needs Redis anyway.
   */
  trustHandshake?: ReadonlySet<AdminEventName>;
}

/** The caller lost the right to be here: answered, then disconnected. */
class AdminRevoked extends AppError {}

/**
 * Checks, at every event, that the caller is still an admin: the credential the handshake accepted must still be
 * valid and not revoked, and the user store must still say `admin` (read through the authenticator's cache of at
 * most AUTH_RECHECK_MS). The page is never trusted to have hidden a button.
 */
async function recheckAdmin(socket: AdminSocket, authenticator: Authenticator): Promise<void> {
  const check = await authenticator.recheck(socket.data.user);
  if (!check.ok)
    throw new AdminRevoked(
      "UNAUTHORIZED",
      check.reason === "expired" ? "your session has expired" : "your credential was revoked",
    );
  if (check.principal.role !== "admin") throw new AdminRevoked("FORBIDDEN", "you are no longer an admin");
}

/**
 * Binds the `/admin` events of one socket: payloads are validated with the protocol's zod schemas, the admin role
 * is checked again, and every event gets exactly one `{ ok, ... }` ack; nothing a client sends can throw out of
 * here. A caller who is no longer an admin is answered and then disconnected.
 */
export function bindAdminEvents(socket: AdminSocket, handlers: AdminHandlers, deps: AdminEventDeps): void {
  for (const name of Object.keys(adminClientEvents) as AdminEventName[]) {
    const listener = (...args: unknown[]) => void dispatch(socket, name, args, handlers, deps);
    (socket as unknown as { on(event: string, fn: (...args: unknown[]) => void): void }).on(name, listener);
  }
}

async function dispatch(
  socket: AdminSocket,
  name: AdminEventName,
  args: unknown[],
  handlers: AdminHandlers,
  deps: AdminEventDeps,
): Promise<void> {
  const last = args[args.length - 1];
  // An event without an ack has nobody to answer: every admin event is a request.
  if (typeof last !== "function") return;
  const ack = last as (response: Ack) => void;
  const payload = args.length === 1 ? undefined : args[0];
  let response: Ack;
  let revoke = false;
  try {
    if (!deps.trustHandshake?.has(name)) await recheckAdmin(socket, deps.authenticator);
    const parsed = adminClientEvents[name].payload.safeParse(payload);
    if (!parsed.success) {
      response = fail(validationError(parsed.error));
    } else {
      const handler = handlers[name] as (p: unknown, s: AdminSocket) => Promise<object> | object;
      response = ok(await handler(parsed.data, socket));
    }
  } catch (err) {
    if (err instanceof AppError) {
      response = fail(err.toBody());
      revoke = err instanceof AdminRevoked;
    } else if (err instanceof ZodError) {
      response = fail(validationError(err));
    } else if (isStorageUnavailable(err)) {
      response = fail({ code: "UNAVAILABLE", message: "Redis is unreachable; retry shortly" });
    } else {
      deps.logger.error({ err, event: name, user: socket.data.user.name }, "admin event failed");
      response = fail({ code: "INTERNAL", message: "internal error; retry shortly" });
    }
  }
  try {
    ack(response);
  } catch (err) {
    deps.logger.debug({ err }, "admin ack failed");
  }
  // The ack is written before the close, so the client learns why.
  if (revoke) socket.disconnect(true);
}
