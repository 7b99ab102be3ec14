import type { ConnectErrorData } from "../protocol/handshake";
import type { SessionInfo, SystemNotice } from "../protocol";
import { isErrorCode, isRetryable } from "../protocol/errors";
import { backoffDelay, type ConnectionEvent } from "./connection-state";
import type { ClientSocket } from "./socket";

/** What the keeper tells its owner (the React provider, or a test). */
export interface ConnectionKeeperListener {
  /** Each change of the connection, for `reduceConnection`. */
  event(event: ConnectionEvent): void;
  /** The session as the server describes it once connected; null when disconnected. */
  info(info: SessionInfo | null): void;
  notice(notice: SystemNotice): void;
  /** The server no longer accepts this session: the user must sign in again. */
  unauthorized(): void;
}

/** The `online`/`offline` events of the browser's window. */
export interface NetworkEvents {
  addEventListener(type: "online" | "offline", listener: () => void): void;
  removeEventListener(type: "online" | "offline", listener: () => void): void;
}

export interface ConnectionKeeperOptions {
  socket: ClientSocket;
  listener: ConnectionKeeperListener;
  network?: NetworkEvents;
  /** A fresh id for this tab, when the server says another tab shares this one's. */
  renewClientId?: () => string;
  backoff?: (attempt: number) => number;
}

/**
 * Keeps one tab's socket connected, as far as it should be: Socket.IO retries dropped connections by itself, but
 * not a server that closed the socket on purpose (draining, an expired session) or a handshake it refused
 * (draining again). Those are retried here with jittered backoff, except when an admin or the user closed this
 * session, or the limit of connections is reached. Browsers keep WebSockets open while the device is offline, so
 * the socket is closed on `offline` and opened again on `online`.
 */
export class ConnectionKeeper {
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Closed on purpose by an admin or by the user from another tab: reconnecting would undo it. */
  private closedOnPurpose = false;
  private readonly backoff: (attempt: number) => number;
  private readonly detachers: (() => void)[] = [];

  constructor(private readonly opts: ConnectionKeeperOptions) {
    this.backoff = opts.backoff ?? ((attempt) => backoffDelay(attempt));
  }

  start(): void {
    const { socket: s, listener, network } = this.opts;
    const onConnect = () => {
      this.attempt = 0;
      this.closedOnPurpose = false;
      listener.event({ type: "connect" });
      s.emit("session:info", {}, (res) => {
        if (!res.ok) return;
        const { ok: _ok, ...info } = res;
        listener.info(info);
      });
    };
    const onDisconnect = (reason: string) => {
      listener.info(null);
      // The server closed us on purpose (draining, expiry): the client library will not retry by itself.
      const retry = reason === "io server disconnect" && !this.closedOnPurpose;
      listener.event({ type: "disconnect", reason, willReconnect: s.active || retry });
      if (retry) this.scheduleRetry();
    };
    const onConnectError = (err: Error & { data?: ConnectErrorData }) => {
      const code = err.message;
      const retryable = !isErrorCode(code) || isRetryable(code);
      const manualRetry = !s.active && retryable && code !== "CONNECTION_LIMIT";
      listener.event({ type: "connect_error", code, data: err.data, willReconnect: s.active || manualRetry });
      if (manualRetry) this.scheduleRetry();
      if (code === "UNAUTHORIZED") listener.unauthorized();
    };
    const onNotice = (notice: SystemNotice) => {
      if (notice.kind === "disconnected-by-admin" || notice.kind === "session-closed")
        this.closedOnPurpose = true;
      // This tab is alive, so it was a duplicate sharing its original's id: take an id of its own, then reconnect
      // as a tab of its own.
      if (notice.kind === "replaced" && typeof s.auth === "object" && this.opts.renewClientId)
        s.auth = { ...s.auth, clientId: this.opts.renewClientId() };
      listener.notice(notice);
    };
    const onAttempt = (attempt: number) => listener.event({ type: "reconnect_attempt", attempt });
    s.on("connect", onConnect);
    s.on("disconnect", onDisconnect);
    s.on("connect_error", onConnectError);
    s.on("system:notice", onNotice);
    s.io.on("reconnect_attempt", onAttempt);
    this.detachers.push(() => {
      s.off("connect", onConnect);
      s.off("disconnect", onDisconnect);
      s.off("connect_error", onConnectError);
      s.off("system:notice", onNotice);
      s.io.off("reconnect_attempt", onAttempt);
    });
    if (network) {
      const offline = () => {
        s.disconnect();
        listener.event({ type: "browser_offline" });
      };
      const online = () => {
        listener.event({ type: "browser_online" });
        this.attempt = 0;
        if (!s.connected) s.connect();
      };
      network.addEventListener("offline", offline);
      network.addEventListener("online", online);
      this.detachers.push(() => {
        network.removeEventListener("offline", offline);
        network.removeEventListener("online", online);
      });
    }
    s.connect();
  }

  /** Reconnects now, e.g. after the user closed another session to get under the limit. */
  reconnect(): void {
    this.attempt = 0;
    this.opts.socket.disconnect();
    this.opts.socket.connect();
  }

  stop(): void {
    clearTimeout(this.timer);
    for (const detach of this.detachers.splice(0)) detach();
    this.opts.socket.disconnect();
  }

  private scheduleRetry(): void {
    clearTimeout(this.timer);
    const delay = this.backoff(this.attempt++);
    this.timer = setTimeout(() => {
      if (!this.opts.socket.connected) this.opts.socket.connect();
    }, delay);
  }
}
