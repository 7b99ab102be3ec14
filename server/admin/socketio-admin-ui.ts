import { randomBytes } from "node:crypto";
import { instrument } from "@socket.io/admin-ui";
import type { Server } from "socket.io";
import { z } from "zod";
import { dummyPasswordHash, verifyPassword } from "../auth/passwords";
import type { SignInThrottle } from "../auth/throttle";
import type { ClientIpResolver } from "../http/client-ip";
import { userNameSchema, type UserStore } from "../auth/user-store";
import type { Logger } from "../logging/logger";
import { connectError } from "../realtime/connect-error";
import type { AppServer } from "../realtime/types";

/** Not `/admin` (ours): set this as the namespace in the Admin UI's advanced options. */
export const ADMIN_UI_NAMESPACE = "/socket.io-admin";
const SESSION_TTL_MS = 8 * 3_600_000;

export interface AdminUiDeps {
  users: UserStore;
  allowedOrigins: string[];
  instanceId: string;
  logger: Logger;
  /** Throttles attempts like sign-in does, so the Admin UI is no side door for password guessing. */
  throttle: SignInThrottle;
  clientIps: ClientIpResolver;
}

const credentials = z.union([
  z.object({ sessionId: z.string().regex(/^[a-f0-9]{32}$/) }),
  z.object({ username: userNameSchema, password: z.string().min(1).max(256) }),
]);

/**
 * @socket.io/admin-ui for admins who already use it, off unless `SOCKETIO_ADMIN_UI=true`. It signs in with a
 * Pulseboard admin's own user name and password (not a second, shared password), read-only, in production mode
 * (aggregated events only: no per-event hooks on the hot path).
 */
export function instrumentAdminUi(io: AppServer, deps: AdminUiDeps): void {
  const sessions = new Map<string, { user: string; expiresAt: number }>();
  const issued = new WeakMap<object, string>();
  const nsp = io.of(ADMIN_UI_NAMESPACE);
  nsp.use((socket, next) => {
    void (async () => {
      const origin = socket.handshake.headers.origin;
      if (origin !== undefined && !deps.allowedOrigins.includes(origin)) {
        return next(connectError("FORBIDDEN", `origin ${origin.slice(0, 100)} is not allowed`));
      }
      const auth = credentials.safeParse(socket.handshake.auth);
      if (!auth.success)
        return next(connectError("UNAUTHORIZED", "sign in with an admin's user name and password"));
      let name: string;
      if ("sessionId" in auth.data) {
        const session = sessions.get(auth.data.sessionId);
        if (!session || session.expiresAt < Date.now()) {
          sessions.delete(auth.data.sessionId);
          return next(connectError("UNAUTHORIZED", "the session has expired; sign in again"));
        }
        name = session.user;
      } else {
        name = auth.data.username;
        const ip = deps.clientIps.resolve(socket.handshake.address, socket.handshake.headers);
        const password = auth.data.password;
        const outcome = await deps.throttle.attempt(name, ip, async () => {
          const user = await deps.users.get(name);
          const valid = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
          return user && valid ? user : undefined;
        });
        if (!outcome.ok && outcome.reason === "throttled")
          return next(
            connectError("RATE_LIMITED", `too many attempts; try again in ${outcome.retryAfterS} s`),
          );
        if (!outcome.ok)
          return next(connectError("UNAUTHORIZED", "that user name and password do not match"));
        const now = Date.now();
        if (sessions.size > 1_000) for (const [id, s] of sessions) if (s.expiresAt < now) sessions.delete(id);
        const sessionId = randomBytes(16).toString("hex");
        sessions.set(sessionId, { user: name, expiresAt: now + SESSION_TTL_MS });
        issued.set(socket, sessionId);
      }
      // The role is read now, not remembered: a demoted admin's session stops working.
      const user = await deps.users.get(name);
      if (user?.role !== "admin") return next(connectError("FORBIDDEN", "the Admin UI is for admins"));
      next();
    })().catch((err: unknown) => {
      deps.logger.error({ err }, "admin UI handshake failed");
      next(connectError("INTERNAL", "the handshake failed; retry shortly"));
    });
  });
  // The Admin UI keeps this id and sends it instead of the password when it reconnects.
  nsp.on("connection", (socket) => {
    const id = issued.get(socket);
    if (id) (socket as unknown as { emit(event: string, value: string): void }).emit("session", id);
  });
  instrument(io as unknown as Server, {
    auth: false,
    readonly: true,
    mode: "production",
    namespaceName: ADMIN_UI_NAMESPACE,
    serverId: deps.instanceId,
  });
}
