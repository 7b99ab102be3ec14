import { z } from "zod";
import { clientEvent } from "./define";

/** Largest batch a client may report at once; the sampler keeps a uniform sample below it. */
export const MAX_REPORT_SAMPLES = 500;
export const MAX_REPORT_RTTS = 50;
/** Samples above two minutes are clock trouble, not latency; the schema refuses them. */
export const MAX_SAMPLE_MS = 120_000;

const sampleMs = z.number().finite().min(0).max(MAX_SAMPLE_MS);

export const metricsReportPayload = z.strictObject({
  /** Delivery latencies in ms: server commit (`at`) to client receipt, corrected for clock offset. */
  samples: z.array(sampleMs).max(MAX_REPORT_SAMPLES).default([]),
  /** Round-trip times in ms of `system:ping`. */
  rtt: z.array(sampleMs).max(MAX_REPORT_RTTS).default([]),
});

export type MetricsReport = z.input<typeof metricsReportPayload>;

export const metricsClientEvents = {
  "metrics:report": clientEvent<{ accepted: number }>()(metricsReportPayload),
};
