import type { DisconnectOutcome } from "@/lib/protocol/admin";
import type { SystemNotice } from "@/lib/protocol/system";
import type { Logger } from "../logging/logger";
import { serverStamp } from "../metrics/clock";
import { closeWithNotice } from "../registry/close";
import { memberOf, refOf, type ConnectionEntry, type ConnectionRegistry } from "../registry/types";
import { userRoom, type AppServer } from "../realtime/types";

declare module "../realtime/types" {
  interface InterServerEvents {
    /** Every instance closes the user's sockets it holds, each after a `disconnected-by-admin` notice. */
    "admin:disconnect-user": (request: { user: string; notice: SystemNotice }) => void;
  }
}

export interface DisconnectDeps {
  io: AppServer;
  registry: ConnectionRegistry;
  instanceId: string;
  /** Whether other instances exist to ask (Redis mode). */
  clustered: boolean;
  logger: Logger;
  /** How long the other instances get to close their sockets before their entries are released anyway. */
  waitMs?: number;
  pollMs?: number;
}

const NOTICE = "An administrator closed your connections. This tab stays offline until you reconnect.";

/**
 * Disconnects a user everywhere. Each instance closes the user's sockets itself, notice first and then the
 * disconnect on the same socket (two separate broadcasts, one for the notice and one for `disconnectSockets`,
 * travel on different adapter channels and could arrive in either order). The registry says when it is done:
 * every entry the user held when the action began is released by its instance as the socket closes; entries still
 * there after `waitMs` (an instance that did not hear us, or died) are released here.
 */
export class UserDisconnector {
  constructor(private readonly deps: DisconnectDeps) {
    if (deps.clustered) {
      deps.io.on("admin:disconnect-user", (request) => {
        if (typeof request?.user !== "string" || request.notice?.kind !== "disconnected-by-admin") return;
        this.closeLocal(request.user, request.notice);
      });
    }
  }

  async disconnect(user: string, by: string): Promise<DisconnectOutcome> {
    const { registry, io, logger } = this.deps;
    const before = await registry.byUser(user);
    const notice: SystemNotice = { kind: "disconnected-by-admin", message: NOTICE, at: serverStamp() };
    this.closeLocal(user, notice);
    if (this.deps.clustered) io.serverSideEmit("admin:disconnect-user", { user, notice });

    const wanted = new Set(before.map(memberOf));
    let left = await this.stillThere(user, wanted);
    const deadline = Date.now() + (this.deps.waitMs ?? 3_000);
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, this.deps.pollMs ?? 50));
      left = await this.stillThere(user, wanted);
    }
    const released = (await Promise.all(left.map((e) => registry.release(refOf(e))))).filter(Boolean).length;

    const perInstance: Record<string, number> = {};
    const unansweredIds = new Set(left.map((e) => e.instanceId));
    const leftMembers = new Set(left.map(memberOf));
    for (const e of before) {
      if (leftMembers.has(memberOf(e))) continue;
      perInstance[e.instanceId] = (perInstance[e.instanceId] ?? 0) + 1;
    }
    const outcome: DisconnectOutcome = {
      user,
      closed: before.length - left.length,
      perInstance,
      unanswered: unansweredIds.size,
      released,
    };
    logger.info({ by, ...outcome }, "admin disconnected a user everywhere");
    return outcome;
  }

  /** The entries among `wanted` that the registry still holds. */
  private async stillThere(user: string, wanted: Set<string>): Promise<ConnectionEntry[]> {
    if (wanted.size === 0) return [];
    return (await this.deps.registry.byUser(user)).filter((e) => wanted.has(memberOf(e)));
  }

  /** Closes the user's sockets on this instance; their entries are released as they leave their rooms. */
  private closeLocal(user: string, notice: SystemNotice): number {
    const main = this.deps.io.of("/");
    const ids = main.adapter.rooms.get(userRoom(user));
    if (!ids) return 0;
    let closed = 0;
    for (const id of [...ids]) {
      const socket = main.sockets.get(id);
      if (!socket) continue;
      closeWithNotice(socket, notice);
      closed++;
    }
    if (closed > 0) this.deps.logger.debug({ user, closed }, "closed a user's sockets for an admin");
    return closed;
  }
}
