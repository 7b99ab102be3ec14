import { Encoder, PacketType } from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config/config";
import { classifyPacket, packetBytes, type EnginePacket } from "./outbound-cap";

/** A packet as Socket.IO's server queues it in engine.io: encoded by the real parser. */
function queued(nsp: string, data: unknown[], opts: { id?: number; type?: PacketType } = {}): EnginePacket {
  const [encoded] = new Encoder().encode({ type: opts.type ?? PacketType.EVENT, nsp, data, id: opts.id });
  return { type: "message", data: encoded, options: {} };
}

const entry = {
  rev: 7,
  opId: "a".repeat(32),
  by: "alice",
  at: 1,
  op: { type: "widget.remove", widgetId: "w1" },
};

describe("classifyPacket", () => {
  it("finds board:op and board:ops on the main namespace, and board:resync", () => {
    expect(classifyPacket(queued("/", ["board:op", { boardId: "b1", entry }]))).toBe("board-op");
    expect(classifyPacket(queued("/", ["board:ops", { boardId: "b1", entries: [entry, entry] }]))).toBe(
      "board-op",
    );
    expect(classifyPacket(queued("/", ["board:resync", {}]))).toBe("resync");
  });

  it("keeps everything else: other events, acks, other namespaces, binary, engine.io packets", () => {
    expect(classifyPacket(queued("/", ["board:presence", { boardId: "b1", viewers: [] }]))).toBe("other");
    expect(classifyPacket(queued("/", ["board:opsx", {}]))).toBe("other");
    expect(classifyPacket(queued("/", ["system:notice", { message: '2["board:op",' }]))).toBe("other");
    // An ack carrying an op's entry (`43[...]`) is what its sender waits for.
    expect(classifyPacket(queued("/", [{ ok: true, entry }], { id: 3, type: PacketType.ACK }))).toBe("other");
    // An event the client must acknowledge carries an id before its payload.
    expect(classifyPacket(queued("/", ["board:op", { boardId: "b1", entry }], { id: 12 }))).toBe("other");
    expect(classifyPacket(queued("/admin", ["board:op", { boardId: "b1", entry }]))).toBe("other");
    expect(classifyPacket({ type: "message", data: Buffer.from('2["board:op",{}]') })).toBe("other");
    expect(classifyPacket({ type: "ping" })).toBe("other");
    expect(classifyPacket({ type: "message" })).toBe("other");
  });
});

describe("packetBytes", () => {
  it("counts the pre-encoded frame when there is one, else the encoded text plus the type byte", () => {
    const packet = queued("/", ["board:op", { boardId: "b1", entry }]);
    const text = packet.data as string;
    expect(packetBytes(packet)).toBe(text.length + 1);
    const frame = [Buffer.alloc(4), Buffer.from(`4${text}`)];
    expect(packetBytes({ ...packet, options: { wsPreEncodedFrame: frame } })).toBe(text.length + 5);
    expect(packetBytes({ type: "message", data: new Uint8Array(10) })).toBe(11);
    expect(packetBytes({ type: "ping" })).toBe(1);
  });
});

describe("OUTBOUND_BUFFER_MAX_BYTES", () => {
  it("is 1 MiB by default, 0 turns the cap off, and anything else is refused", () => {
    expect(loadConfig({}).outboundBufferMaxBytes).toBe(1_048_576);
    expect(loadConfig({ OUTBOUND_BUFFER_MAX_BYTES: "0" }).outboundBufferMaxBytes).toBe(0);
    expect(loadConfig({ OUTBOUND_BUFFER_MAX_BYTES: "16384" }).outboundBufferMaxBytes).toBe(16_384);
    for (const bad of ["-1", "1.5", "lots"])
      expect(() => loadConfig({ OUTBOUND_BUFFER_MAX_BYTES: bad })).toThrow(ConfigError);
  });
});
