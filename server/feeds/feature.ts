import type { ChartFeed } from "@/lib/boards/types";
import type { ClusterPoint } from "@/lib/protocol/admin";
import { AppError } from "@/lib/protocol/errors";
import { publishOp } from "../boards/board.handlers";
import { defineFeature } from "../features";

const VALUE: Record<ChartFeed, (p: ClusterPoint) => number> = {
  connections: (p) => p.connections,
  events: (p) => p.eventsIn + p.eventsOut,
};

/**
 * Pulseboard's own metrics as live chart data: every second, charts with a `feed` on boards that someone views
 * get the latest cluster-wide value. Every instance with viewers proposes the point under the same opId (widget
 * and second), so the board applies it once however many instances serve viewers.
 */
export const liveFeedFeature = defineFeature({
  name: "live-feed",
  needs: ["metrics", "boards", "presence", "board-fanout"],
  setup(ctx, { metrics, boards, presence, "board-fanout": fanout }) {
    let busy = false;
    const unsubscribe = metrics.onChange((change) => {
      if (change.kind !== "tick" || busy || ctx.lifecycle.draining) return;
      busy = true;
      void feed(change.point).finally(() => {
        busy = false;
      });
    });
    ctx.onShutdown(unsubscribe);

    async function feed(point: ClusterPoint): Promise<void> {
      const second = Math.floor(point.t / 1000);
      for (const boardId of presence.localBoards()) {
        try {
          const doc = await boards.peek(boardId);
          if (!doc) continue;
          for (const w of Object.values(doc.widgets)) {
            if (w.type !== "chart" || !w.data.feed) continue;
            const points: [number, number][] = [[second * 1000, VALUE[w.data.feed](point)]];
            const opId = `feed-${w.id}-${second}`;
            const { entry, duplicate } = await boards.apply(doc.owner, boardId, opId, {
              type: "chart.append",
              widgetId: w.id,
              points,
            });
            // Another instance got there first and has published it.
            if (!duplicate) publishOp(ctx, fanout, boardId, entry);
          }
        } catch (err) {
          // A widget removed meanwhile is not worth a log line; anything else is.
          if (!(err instanceof AppError && err.code === "NOT_FOUND"))
            ctx.logger.debug({ err, boardId }, "live feed point skipped");
        }
      }
    }
  },
});
