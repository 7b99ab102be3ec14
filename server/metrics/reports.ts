import { AppError } from "@/lib/protocol/errors";
import type { EventRouter } from "../realtime/event-router";
import type { AppSocket } from "../realtime/types";

export interface ReportSink {
  delivery(ms: number): void;
  rtt(ms: number): void;
}

/** Clients report every few seconds; more often than this is a bug or an attempt to skew the histograms. */
export const MIN_REPORT_INTERVAL_MS = 1_000;

/** `metrics:report`: batches of clock-corrected delivery latencies and ping round trips from clients. */
export function registerReportHandler(events: EventRouter, sink: ReportSink, now = Date.now): void {
  const lastReport = new WeakMap<AppSocket, number>();
  events.handle("metrics:report", ({ samples, rtt }, { socket }) => {
    const t = now();
    const last = lastReport.get(socket);
    if (last !== undefined && t - last < MIN_REPORT_INTERVAL_MS) {
      throw new AppError("RATE_LIMITED", "report at most once a second", {
        retryAfterMs: MIN_REPORT_INTERVAL_MS - (t - last),
      });
    }
    lastReport.set(socket, t);
    for (const ms of samples) sink.delivery(ms);
    for (const ms of rtt) sink.rtt(ms);
    return { accepted: samples.length + rtt.length };
  });
}
