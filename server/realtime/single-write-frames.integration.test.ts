import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect, type Socket as ClientSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinAllBroadcastFrames } from "./single-write-frames";
import type { AppServer } from "./types";

type Frame = { wsPreEncodedFrame?: Buffer[] };
type Encoding = { _encode(packet: unknown, opts: Frame): unknown };

const EVENT = 2; // socket.io-parser's PacketType.EVENT

describe("broadcast frames written as one buffer", () => {
  let io: Server;
  let url: string;
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    const http = createServer();
    io = new Server(http, { transports: ["websocket"], perMessageDeflate: false });
    joinAllBroadcastFrames(io as unknown as AppServer);
    io.of("/later"); // a namespace made after the call
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await io.close();
  });

  const client = async (nsp = "/") => {
    const socket = connect(`${url}${nsp === "/" ? "" : nsp}`, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
    });
    clients.push(socket);
    await new Promise<void>((resolve, reject) =>
      socket.once("connect", () => resolve()).once("connect_error", reject),
    );
    return socket;
  };

  it("encodes a broadcast into the same bytes as the stock frame, in one buffer", () => {
    for (const nsp of ["/", "/later"]) {
      const adapter = io.of(nsp).adapter as unknown as Encoding;
      const packet = { type: EVENT, data: ["board:op", { rev: 1, text: "x".repeat(300) }], nsp };
      const opts: Frame = {};
      adapter._encode(packet, opts);
      const stock: Frame = {};
      // The adapter's own prototype step, as socket.io-adapter ships it.
      (Object.getPrototypeOf(adapter) as Encoding)._encode.call(adapter, packet, stock);
      expect(stock.wsPreEncodedFrame).toHaveLength(2);
      expect(opts.wsPreEncodedFrame).toHaveLength(1);
      expect(opts.wsPreEncodedFrame![0]!.equals(Buffer.concat(stock.wsPreEncodedFrame!))).toBe(true);
    }
  });

  it("delivers broadcasts of every frame size intact, in order, to every recipient", async () => {
    const receivers = await Promise.all([client(), client(), client()]);
    // Payload lengths with a 7-bit, a 16-bit and a 64-bit length in the frame header.
    const sizes = [10, 1_000, 70_000];
    const got = receivers.map((socket) => {
      const seen: { i: number; text: string }[] = [];
      socket.on("m", (msg: { i: number; text: string }) => seen.push(msg));
      return seen;
    });
    const sent = sizes.map((n, i) => ({ i, text: String.fromCharCode(97 + i).repeat(n) }));
    for (const msg of sent) io.emit("m", msg);
    // Binary packets take the path without a shared frame; they must still arrive.
    const binary = new Promise<Buffer>((resolve) => receivers[0]!.once("b", (b: Buffer) => resolve(b)));
    io.emit("b", Buffer.from([1, 2, 3]));
    await expect(binary).resolves.toEqual(Buffer.from([1, 2, 3]));
    await expect.poll(() => got.map((g) => g.length)).toEqual([3, 3, 3]);
    for (const g of got) expect(g).toEqual(sent);
  });

  it("delivers a broadcast in a namespace made after the call", async () => {
    const [a, b] = await Promise.all([client("/later"), client("/later")]);
    const arrived = [a, b].map((s) => new Promise((resolve) => s!.once("hello", resolve)));
    io.of("/later").emit("hello", { n: 1 });
    await expect(Promise.all(arrived)).resolves.toEqual([{ n: 1 }, { n: 1 }]);
  });
});
