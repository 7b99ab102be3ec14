import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket as ServerSocket } from "socket.io";
import { io, type Socket } from "socket.io-client";
import { BoardSession, type BoardSessionOptions, type SessionSocket } from "@/lib/client/board-session";

/**
 * A bare Socket.IO server on port 0 whose board events the test answers itself (`onConnection`): for orders of
 * events a real Pulseboard server cannot be made to produce on demand. Close it with `srv.close()`.
 */
async function scriptedServer(
  onConnection: (socket: ServerSocket) => void,
): Promise<{ srv: Server; url: string }> {
  const http = createServer();
  const srv = new Server(http);
  srv.on("connection", onConnection);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return { srv, url: `http://127.0.0.1:${port}` };
}

/**
 * A tab's socket, connected to `url`, and a started BoardSession on it for bob, with no periodic check (only what
 * the server sends, and the syncs it calls for, bring the tab up to date). Reconnects quickly when `reconnect`.
 */
async function sessionOn(
  url: string,
  boardId: string,
  opts: { reconnect?: boolean; session?: Partial<BoardSessionOptions> } = {},
): Promise<{ socket: Socket; session: BoardSession }> {
  const socket = io(url, {
    transports: ["websocket"],
    reconnection: opts.reconnect ?? false,
    reconnectionDelay: 20,
    reconnectionDelayMax: 50,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  const session = new BoardSession({
    socket: socket as unknown as SessionSocket,
    boardId,
    user: "bob",
    checkIntervalMs: 600_000,
    ...opts.session,
  });
  session.start();
  return { socket, session };
}

/**
 * Scripted servers and the sessions connected to them for one test file; `cleanup` (in `afterEach`) stops the
 * sessions and closes their sockets and the servers.
 */
export function scriptedHarness() {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  const sessions: BoardSession[] = [];
  return {
    async serve(onConnection: (socket: ServerSocket) => void): Promise<string> {
      const { srv, url } = await scriptedServer(onConnection);
      servers.push(srv);
      return url;
    },
    async open(
      url: string,
      boardId: string,
      opts?: { reconnect?: boolean; session?: Partial<BoardSessionOptions> },
    ): Promise<{ socket: Socket; session: BoardSession }> {
      const opened = await sessionOn(url, boardId, opts);
      sockets.push(opened.socket);
      sessions.push(opened.session);
      return opened;
    },
    async cleanup(): Promise<void> {
      sessions.splice(0).forEach((s) => s.stop());
      sockets.splice(0).forEach((s) => s.close());
      await Promise.all(servers.splice(0).map((srv) => srv.close()));
    },
  };
}
