/**
 * The framework floor: what a user would write with Socket.IO and `@socket.io/redis-adapter` alone. Every
 * "publish" is relayed to every other client on every instance; no auth, registry, persistence or revisions.
 *
 *   REDIS_URL=redis://... PORT=0 node --import tsx bench/servers/plain-socketio.ts   (prints "listening <port>")
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { Server } from "socket.io";

const pub = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const sub = pub.duplicate();
const http = createServer();
const io = new Server(http, { adapter: createAdapter(pub, sub), transports: ["websocket"] });

io.on("connection", (socket) => {
  socket.on("publish", (msg: unknown) => {
    socket.broadcast.emit("board:op", msg);
  });
  // The publisher asks once after its last op, before it closes: the answer means every op before it was relayed.
  socket.on("flush", (ack: unknown) => {
    if (typeof ack === "function") (ack as () => void)();
  });
});

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`listening ${(http.address() as AddressInfo).port}`);
});

// A clean exit on SIGTERM, so that a server started with --cpu-prof writes its profile.
process.on("SIGTERM", () => process.exit(0));
