import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppServer } from "./types";

interface EngineConnection {
  request: IncomingMessage;
}

type EngineRequest = IncomingMessage & { _query?: Record<string, string> };

/**
 * Engine.IO keeps each connection's first HTTP request for the life of the connection: the connection holds it so
 * that Socket.IO can build each namespace's handshake from it, and a WebSocket upgrade's stand-in response holds
 * it from a listener on the TCP socket. Keep just what a handshake reads, in both places: over a kilobyte less per
 * idle connection. (Socket.IO's memory guide drops the request altogether, which would leave a later `/admin`
 * handshake without the session cookie, and would not free it while the upgrade response still holds it.)
 */
export function keepSlimRequests(io: AppServer): void {
  const responses = new WeakMap<IncomingMessage, { req: unknown }>();
  io.engine.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
    // Only upgrades: their response is engine.io's stand-in, done with once the upgrade is through.
    if (req.headers.upgrade?.toLowerCase() === "websocket")
      responses.set(req, res as unknown as { req: unknown });
    next();
  });
  io.engine.on("connection", (conn: EngineConnection) => {
    const req = conn.request as EngineRequest;
    const slim = {
      headers: req.headers,
      url: req.url,
      _query: req._query,
      connection: { encrypted: Boolean((req.socket as { encrypted?: boolean }).encrypted) },
    } as unknown as IncomingMessage;
    conn.request = slim;
    const res = responses.get(req);
    if (res) res.req = slim;
  });
}
