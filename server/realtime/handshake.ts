import { z } from "zod";
import { PROTOCOL_VERSION } from "@/lib/protocol/version";
import type { Authenticator } from "../auth/authenticator";
import type { Logger } from "../logging/logger";
import { connectError } from "./connect-error";
import type { AppSocket } from "./types";

const handshakeAuth = z
  .object({
    token: z.string().max(4096).optional(),
    v: z.number().int().optional(),
    clientId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{8,64}$/)
      .optional(),
  })
  .catch({});

export type Middleware = (socket: AppSocket, next: (err?: Error) => void) => void;

export interface HandshakeDeps {
  authenticator: Authenticator;
  allowedOrigins: string[];
  isDraining: () => boolean;
  logger: Logger;
  /** Called for every refusal, for metrics. */
  onReject?: (code: string) => void;
}

/**
 * Who may open a socket: not while draining, only from an allowed origin (browsers send Origin; scripts using a
 * token usually do not), only speaking our protocol, and only with a valid session cookie or API token.
 */
export function handshakeMiddleware(deps: HandshakeDeps): Middleware {
  return (socket, next) => {
    const refuse = (err: Error) => {
      deps.onReject?.(err.message);
      next(err);
    };
    void (async () => {
      if (deps.isDraining()) {
        return refuse(connectError("DRAINING", "this server is shutting down; reconnect to another one"));
      }
      const origin = socket.handshake.headers.origin;
      if (origin !== undefined && !deps.allowedOrigins.includes(origin)) {
        return refuse(connectError("FORBIDDEN", `origin ${origin.slice(0, 100)} is not allowed`));
      }
      const auth = handshakeAuth.parse(socket.handshake.auth);
      if (auth.v !== undefined && auth.v !== PROTOCOL_VERSION) {
        return refuse(
          connectError(
            "UNSUPPORTED_PROTOCOL",
            `this server speaks protocol ${PROTOCOL_VERSION}; reload the page`,
            {
              server: PROTOCOL_VERSION,
            },
          ),
        );
      }
      const result = auth.token
        ? await deps.authenticator.fromToken(auth.token)
        : await deps.authenticator.fromCookies(socket.handshake.headers);
      if (!result.ok) {
        const message = {
          missing: "sign in, or pass an API token as auth.token",
          invalid: "the credential is not valid",
          expired: "the credential has expired",
          revoked: "the credential was revoked, or its user changed password or role; sign in again",
        }[result.reason];
        return refuse(connectError("UNAUTHORIZED", message, { reason: result.reason }));
      }
      socket.data.user = result.principal;
      // Socket.IO's id: random (88 bits) and already held, so the registry needs no second id per socket.
      socket.data.connectionId = socket.id;
      if (auth.clientId !== undefined) socket.data.clientId = auth.clientId;
      socket.data.connectedAt = Date.now();
      // The credential has done its work: it stays out of memory dumps, the admin UI and every later reader. A
      // copy without it rather than `delete`, which would leave every socket's auth object in dictionary mode.
      if (Object.hasOwn(socket.handshake.auth, "token")) {
        const { token: _token, ...rest } = socket.handshake.auth as Record<string, unknown>;
        socket.handshake.auth = rest;
      }
      next();
    })().catch((err: unknown) => {
      deps.logger.error({ err }, "handshake failed");
      refuse(connectError("INTERNAL", "the handshake failed; retry shortly"));
    });
  };
}
