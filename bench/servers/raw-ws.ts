/**
 * The ceiling: a bare `ws` server that relays each message, as received, to every other client. Nothing is
 * parsed or serialized per recipient, there is no auth, no rooms and no persistence.
 *
 *   PORT=0 node --import tsx bench/servers/raw-ws.ts   (prints "listening <port>")
 */
import * as wsModule from "ws";
import { WebSocket, WebSocketServer } from "ws";

// ws exports its Sender without types; Socket.IO's adapter reaches for the same two members.
interface FrameSender {
  _sender: { sendFrame(frame: Buffer[]): void };
}
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, opts: Record<string, unknown>): Buffer[] };
};

const wss = new WebSocketServer({
  host: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  perMessageDeflate: false,
});

wss.on("connection", (sender: WebSocket) => {
  sender.on("message", (data, isBinary) => {
    // The frame is built once and written to every socket as is: the trick Socket.IO's adapter uses too.
    const frame = Sender.frame(data as Buffer, {
      fin: true,
      opcode: isBinary ? 2 : 1,
      mask: false,
      readOnly: false,
      rsv1: false,
    });
    for (const client of wss.clients) {
      if (client !== sender && client.readyState === WebSocket.OPEN)
        (client as unknown as FrameSender)._sender.sendFrame(frame);
    }
  });
});

wss.on("listening", () => {
  const address = wss.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : address}`);
});

// A clean exit on SIGTERM, so that a server started with --cpu-prof writes its profile.
process.on("SIGTERM", () => process.exit(0));
