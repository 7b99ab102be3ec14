import { randomUUID } from "node:crypto";
import { z } from "zod";
import { idSchema } from "@/lib/protocol/boards";
import { AppError } from "@/lib/protocol/errors";
import type { Authenticator } from "../auth/authenticator";
import type { BoardService } from "../boards/service";
import { readBody } from "../http/body";
import { sendError, sendJson } from "../http/respond";
import type { Router } from "../http/router";
import type { Quotas } from "../quotas/quotas";
import type { BlobStore } from "./blobs";
import { checkCsvHead } from "./csv";
import { exportKey } from "./processors/board-export";
import { UPLOAD_TTL_S, uploadKey } from "./processors/csv-import";
import type { TaskQueue } from "./queue";
import { widgetIn } from "@/lib/boards/types";
import { activeTasks, ownedTask } from "./task.handlers";

const importQuery = z.object({
  boardId: idSchema,
  widgetId: idSchema,
  fileName: z.string().max(200).default("upload.csv"),
  skipInvalid: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
});

export interface TaskRouteDeps {
  authenticator: Authenticator;
  boards: BoardService;
  queue: TaskQueue;
  blobs: BlobStore;
  uploadMaxBytes: number;
  quotas: Quotas;
}

/**
 * `POST /api/tasks/csv-import?boardId&widgetId` with the CSV as the body starts an import;
 * `GET /api/tasks/:id/download?format=json|csv` fetches an export.
 */
export function registerTaskRoutes(router: Router, deps: TaskRouteDeps): void {
  router.on("POST", "/api/tasks/csv-import", async ({ req, res, url }) => {
    const auth = await deps.authenticator.fromHeaders(req.headers);
    if (!auth.ok)
      return sendError(res, {
        code: "UNAUTHORIZED",
        message: "sign in, or send Authorization: Bearer <API token>",
      });
    const query = importQuery.parse(Object.fromEntries(url.searchParams));
    const type = req.headers["content-type"] ?? "";
    if (!/^(text\/csv|text\/plain|application\/octet-stream)\b/i.test(type)) {
      throw new AppError("VALIDATION", "send the file as the body with Content-Type: text/csv");
    }
    const { doc, role } = await deps.boards.open(auth.principal.name, query.boardId);
    if (role === "viewer") throw new AppError("FORBIDDEN", "viewers cannot change this board");
    const chart = widgetIn(doc, query.widgetId);
    if (chart?.type !== "chart") throw new AppError("VALIDATION", "CSV files import into a chart widget");
    const user = auth.principal.name;
    await deps.quotas.taskSubmitted(user);
    const body = await readBody(req, deps.uploadMaxBytes);
    if (body.length === 0) throw new AppError("VALIDATION", "the file is empty");
    const notCsv = checkCsvHead(body);
    if (notCsv) throw new AppError("VALIDATION", notCsv);
    const uploadId = randomUUID().replace(/-/g, "");
    const task = await deps.quotas.admitCreation(
      user,
      "tasks-concurrent",
      () => activeTasks(deps.queue, user, deps.quotas.limits.tasksConcurrentPerUser),
      async () => {
        // Counted against the user's storage until imported (then deleted) or expired; refused when it does not fit.
        await deps.blobs.put(uploadKey(uploadId), body, UPLOAD_TTL_S, user);
        try {
          return await deps.queue.enqueue(user, `Import ${query.fileName} into “${chart.title || "chart"}”`, {
            kind: "csv-import",
            boardId: query.boardId,
            widgetId: query.widgetId,
            uploadId,
            fileName: query.fileName,
            skipInvalid: query.skipInvalid,
          });
        } catch (err) {
          await deps.blobs.delete(uploadKey(uploadId));
          throw err;
        }
      },
    );
    sendJson(res, 202, { ok: true, task });
  });

  router.on("GET", "/api/tasks/:taskId/download", async ({ req, res, params, url }) => {
    const auth = await deps.authenticator.fromHeaders(req.headers);
    if (!auth.ok) return sendError(res, { code: "UNAUTHORIZED", message: "sign in to download" });
    const task = await ownedTask(deps.queue, auth.principal, idSchema.parse(params.taskId), (name) =>
      deps.authenticator.roleOf(name),
    );
    const format = z.enum(["json", "csv"]).parse(url.searchParams.get("format") ?? "json");
    if (task.result?.kind !== "board-export") throw new AppError("NOT_FOUND", "this task has no export");
    const data = await deps.blobs.get(exportKey(task.id, format));
    if (!data) throw new AppError("NOT_FOUND", "the export has expired; export the board again");
    const name = `${
      task.title
        .replace(/^Export “|”$/g, "")
        .replace(/[^\w.-]+/g, "-")
        .slice(0, 60) || "board"
    }.${format}`;
    res.writeHead(200, {
      "content-type": format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
      "content-length": data.length,
      "content-disposition": `attachment; filename="${name}"`,
      "cache-control": "no-store",
    });
    res.end(data);
  });
}
