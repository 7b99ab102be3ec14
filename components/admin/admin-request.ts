import type { AdminSocket } from "@/lib/client/admin-socket";
import { fail, type Ack } from "@/lib/protocol/ack";
import type { AdminEventName, AdminEventSpecs } from "@/lib/protocol/admin";
import type { SpecPayloadIn, SpecResult } from "@/lib/protocol/define";

const TIMEOUT_MS = 30_000;

/**
 * Sends one admin request and always resolves with an ack: the server's, or an UNAVAILABLE one when the panel is
 * offline or no answer came (then the action may or may not have happened, and the message says so).
 */
export async function adminRequest<K extends AdminEventName>(
  admin: AdminSocket | null,
  event: K,
  payload: SpecPayloadIn<AdminEventSpecs[K]>,
): Promise<Ack<SpecResult<AdminEventSpecs[K]>>> {
  if (!admin?.connected)
    return fail({ code: "UNAVAILABLE", message: "The panel is not connected; try again once it is live." });
  try {
    const emit = admin.timeout(TIMEOUT_MS).emitWithAck as unknown as (
      e: K,
      p: SpecPayloadIn<AdminEventSpecs[K]>,
    ) => Promise<Ack<SpecResult<AdminEventSpecs[K]>>>;
    return await emit.call(admin.timeout(TIMEOUT_MS), event, payload);
  } catch {
    return fail({
      code: "UNAVAILABLE",
      message:
        "No answer from the server; it may or may not have happened. Check the tables before retrying.",
    });
  }
}
