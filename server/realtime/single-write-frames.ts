import type { Namespace } from "socket.io";
import type { AppServer } from "./types";

/** The adapter's step that encodes a broadcast once for all its recipients (socket.io-adapter's `_encode`). */
interface EncodingAdapter {
  _encode(packet: unknown, opts: { wsPreEncodedFrame?: unknown }): unknown;
}

function isTwoBuffers(frame: unknown): frame is [Buffer, Buffer] {
  return Array.isArray(frame) && frame.length === 2 && Buffer.isBuffer(frame[0]) && Buffer.isBuffer(frame[1]);
}

/**
 * With perMessageDeflate off, the adapter encodes a broadcast once into a WebSocket frame that every recipient's
 * socket sends as it is: two buffers, the frame header and the payload, which `ws` writes as two corked writes,
 * flushed with one `writev` per recipient. Joined once per broadcast into one buffer, each recipient's send is one
 * plain write, which costs Node's stream machinery less on the hot path of a fan-out (a board op to a thousand
 * viewers is a thousand sends). The bytes on the wire are the same.
 */
export function joinBroadcastFrames(nsp: Namespace): void {
  const adapter = nsp.adapter as unknown as Partial<EncodingAdapter>;
  const encode = adapter._encode;
  // An adapter without the step (another version or implementation) is left as it is: it only costs the gain.
  if (typeof encode !== "function") return;
  adapter._encode = function (this: EncodingAdapter, packet, opts) {
    const encoded = encode.call(this, packet, opts);
    const frame = opts.wsPreEncodedFrame;
    if (isTwoBuffers(frame)) opts.wsPreEncodedFrame = [Buffer.concat(frame)];
    return encoded;
  };
}

/** Joins the broadcast frames of every namespace of `io`, those to come included. */
export function joinAllBroadcastFrames(io: AppServer): void {
  joinBroadcastFrames(io.of("/") as unknown as Namespace);
  io.on("new_namespace", (nsp) => joinBroadcastFrames(nsp as unknown as Namespace));
}
