import { z } from "zod";
import type { ConnectionEntry } from "./types";

/** An entry read back from storage; whatever is malformed is skipped rather than trusted. */
export const entrySchema = z.object({
  connectionId: z.string().min(1),
  user: z.string().min(1),
  instanceId: z.string().min(1),
  clientId: z.string().optional(),
  transport: z.string(),
  ip: z.string(),
  userAgent: z.string(),
  via: z.enum(["session", "token"]),
  connectedAt: z.number(),
});

export function parseEntry(json: string): ConnectionEntry | undefined {
  try {
    const parsed = entrySchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Oldest first, so that lists read in the order people opened their sessions. */
export function byConnectedAt(a: ConnectionEntry, b: ConnectionEntry): number {
  return a.connectedAt - b.connectedAt || a.connectionId.localeCompare(b.connectionId);
}
