import { z } from "zod";
import { LIMITS } from "../boards/limits";

/**
 * The schema building blocks shared by the board protocol and the widget modules (`lib/boards/widgets/`), which
 * define their own data and ops from them.
 */

const idMsg = { error: "expected 1-64 letters, digits, _ or -" };
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, idMsg);
/** Client-made, unique per change; resending the same opId returns the original ack. */
export const opIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/, { error: "expected 8-64 letters, digits, _ or -" });
export const userNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{1,31}$/, { error: "expected a user name" });
export const revSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const textSchema = (max: number) => z.string().max(max, { error: `at most ${max} characters` });
export const finiteSchema = z.number().finite();

export const layoutSchema = z.strictObject({
  x: z
    .number()
    .int()
    .min(0)
    .max(LIMITS.gridColumns - 1),
  y: z.number().int().min(0).max(10_000),
  w: z.number().int().min(1).max(LIMITS.gridColumns),
  h: z.number().int().min(1).max(40),
});

/** What every op on one widget carries. */
export const widgetTarget = { widgetId: idSchema };
/** What every op that sets a field carries: the revision of that field the editor saw. */
export const guarded = { baseRev: revSchema };
