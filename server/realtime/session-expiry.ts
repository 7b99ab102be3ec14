import type { AppSocket } from "./types";

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Closes the socket when its credential expires, after telling the client why so that it can offer to sign in
 * again instead of looping on reconnects.
 */
export function scheduleExpiry(socket: AppSocket, now = Date.now()): void {
  const remaining = socket.data.user.expiresAt - now;
  if (remaining > MAX_TIMER_MS) return;
  const timer = setTimeout(
    () => {
      socket.emit("system:notice", {
        kind: "session-expired",
        message: "Your session has expired.",
        at: Date.now(),
      });
      socket.disconnect(true);
    },
    Math.max(0, remaining),
  );
  timer.unref();
  socket.once("disconnect", () => clearTimeout(timer));
}
