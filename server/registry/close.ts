import type { SystemNotice } from "@/lib/protocol";
import type { AppServer, AppSocket } from "../realtime/types";
import type { RegistryAgent } from "./agent";
import type { MemberRef } from "./types";

export type CloseReason = "session-closed" | "replaced";

export interface CloseRequest {
  instanceId: string;
  connectionId: string;
  reason: CloseReason;
}

declare module "../realtime/types" {
  interface InterServerEvents {
    /** Asks the instance holding a connection to close it; every other instance ignores it. */
    "registry:close": (request: CloseRequest) => void;
  }
}

const MESSAGES: Record<CloseReason, string> = {
  "session-closed": "This session was closed from another tab or device.",
  replaced: "This tab connected again, so this older connection was closed.",
};

/** Tells the client why, then closes: the notice is flushed before the transport closes. */
export function closeWithNotice(socket: AppSocket, notice: SystemNotice): void {
  if (!socket.connected) {
    // Still in the handshake: closing the transport makes Socket.IO drop it (and its slot) when it finishes.
    socket.conn.close();
    return;
  }
  socket.emit("system:notice", notice);
  socket.disconnect(true);
}

/**
 * Closes a registered connection wherever it is: here directly, elsewhere by asking the other instances over
 * the adapter (only the one holding it acts). The notice and the disconnect happen on the holding instance, in
 * that order, which two separate broadcasts could not promise.
 */
export class ConnectionCloser {
  constructor(
    private readonly io: AppServer,
    private readonly agent: RegistryAgent,
    private readonly clustered: boolean,
  ) {
    io.on("registry:close", (request) => {
      if (request?.instanceId === this.agent.instanceId)
        this.closeLocal(request.connectionId, request.reason);
    });
  }

  close(ref: MemberRef, reason: CloseReason): void {
    if (ref.instanceId === this.agent.instanceId) this.closeLocal(ref.connectionId, reason);
    else if (this.clustered)
      this.io.serverSideEmit("registry:close", {
        instanceId: ref.instanceId,
        connectionId: ref.connectionId,
        reason,
      });
  }

  private closeLocal(connectionId: string, reason: CloseReason): void {
    const socket = this.agent.socketOf(String(connectionId));
    if (!socket || !Object.hasOwn(MESSAGES, reason)) return;
    closeWithNotice(socket, { kind: reason, message: MESSAGES[reason], at: Date.now() });
  }
}
