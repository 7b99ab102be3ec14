import type { IncomingMessage } from "node:http";
import { AppError } from "@/lib/protocol/errors";

/** Reads the body up to `limit` bytes; a larger body is refused before it is buffered. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new AppError("PAYLOAD_TOO_LARGE", `body is ${declared} bytes; the limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new AppError("PAYLOAD_TOO_LARGE", `body exceeds the limit of ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new AppError("VALIDATION", "expected Content-Type: application/json");
  }
  const raw = await readBody(req, limit);
  if (raw.length === 0) throw new AppError("VALIDATION", "the request body is empty; expected JSON");
  try {
    return JSON.parse(raw.toString("utf8")) as unknown;
  } catch (err) {
    throw new AppError("VALIDATION", `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<Record<string, string>> {
  const raw = await readBody(req, limit);
  const type = req.headers["content-type"] ?? "";
  if (/^application\/json\b/i.test(type)) {
    try {
      const parsed = JSON.parse(raw.toString("utf8")) as unknown;
      return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : {};
    } catch {
      throw new AppError("VALIDATION", "the request body is not valid JSON");
    }
  }
  return Object.fromEntries(new URLSearchParams(raw.toString("utf8")));
}
