import { randomUUID } from "node:crypto";
import { z } from "zod";
import { idSchema, opIdSchema } from "@/lib/protocol/boards";
import { AppError } from "@/lib/protocol/errors";
import type { FeatureContext } from "../features";
import { readJson } from "../http/body";
import { sendError, sendJson } from "../http/respond";
import { publishOp } from "./board.handlers";
import type { OpFanout } from "./op-fanout";
import type { BoardService } from "./service";
import { CHART_LIMITS } from "@/lib/boards/widgets/chart";

const finite = z.number().finite();
const time = z.number().int().min(0).max(8.64e15);
const point = z.union([
  z.tuple([time, finite]),
  z.strictObject({ t: time, v: finite }).transform((p) => [p.t, p.v] as [number, number]),
]);

const pushBody = z.strictObject({
  points: z
    .array(point)
    .min(1, { error: "send at least one point" })
    .max(CHART_LIMITS.pointsPerOp, { error: `send at most ${CHART_LIMITS.pointsPerOp} points per request` }),
});

/**
 * `POST /api/boards/:boardId/widgets/:widgetId/points` appends points to a chart, as an editor would: the same op
 * path, revisions and broadcast. An `Idempotency-Key` header makes a retried request apply once.
 */
export function registerPushRoutes(ctx: FeatureContext, service: BoardService, fanout: OpFanout): void {
  ctx.router.on("POST", "/api/boards/:boardId/widgets/:widgetId/points", async ({ req, res, params }) => {
    const auth = await ctx.authenticator.fromHeaders(req.headers);
    if (!auth.ok) {
      return sendError(res, {
        code: "UNAUTHORIZED",
        message:
          auth.reason === "expired" ? "the API token has expired" : "send Authorization: Bearer <API token>",
      });
    }
    const boardId = idSchema.parse(params.boardId);
    const widgetId = idSchema.parse(params.widgetId);
    const key = req.headers["idempotency-key"];
    if (key !== undefined && !opIdSchema.safeParse(key).success) {
      throw new AppError("VALIDATION", "Idempotency-Key must be 8-64 letters, digits, _ or -");
    }
    const { points } = pushBody.parse(await readJson(req, 256 * 1024));
    const opId = typeof key === "string" ? key : randomUUID().replace(/-/g, "");
    const { entry, duplicate } = await service.apply(auth.principal.name, boardId, opId, {
      type: "chart.append",
      widgetId,
      points,
    });
    publishOp(ctx, fanout, boardId, entry);
    sendJson(res, 200, { ok: true, rev: entry.rev, accepted: points.length, duplicate });
  });
}
