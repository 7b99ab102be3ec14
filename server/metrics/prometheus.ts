import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { LiveCounters } from "./live-counters";
import { TRANSPORTS } from "./live-counters";
import type { ProcessStats } from "./process-stats";

export interface PrometheusDeps {
  counters: LiveCounters;
  process: ProcessStats;
  instanceId: string;
  mode: "embedded" | "redis";
  isDraining: () => boolean;
}

export interface PrometheusMetrics {
  registry: Registry;
  observeDelivery(ms: number): void;
  observeRtt(ms: number): void;
}

/** Sub-millisecond to half a minute: a local WebSocket push up to a client stuck on a slow long-poll. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * One registry per application (tests run several in one process, so never prom-client's global one): the
 * process defaults plus `pulseboard_*`. Counters are read from `LiveCounters` at scrape time rather than
 * incremented per message, which keeps labels and hashing off the hot path.
 */
export function createPrometheus(deps: PrometheusDeps): PrometheusMetrics {
  const { counters } = deps;
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: "pulseboard_instance_info",
    help: "Always 1; labels identify the instance.",
    labelNames: ["instance", "mode"] as const,
    registers,
    collect() {
      this.set({ instance: deps.instanceId, mode: deps.mode }, 1);
    },
  });
  new Gauge({
    name: "pulseboard_draining",
    help: "1 while the instance drains for shutdown.",
    registers,
    collect() {
      this.set(deps.isDraining() ? 1 : 0);
    },
  });
  new Gauge({
    name: "pulseboard_connections",
    help: "Open Socket.IO connections by current transport (a connection moves on upgrade).",
    labelNames: ["transport"] as const,
    registers,
    collect() {
      for (const t of TRANSPORTS) this.set({ transport: t }, counters.connections[t]);
    },
  });
  new Gauge({
    name: "pulseboard_users",
    help: "Distinct users with at least one connection to this instance.",
    registers,
    collect() {
      this.set(counters.users.size);
    },
  });
  new Counter({
    name: "pulseboard_connects_total",
    help: "Connections accepted.",
    registers,
    collect() {
      this.reset();
      this.inc(counters.connects);
    },
  });
  new Counter({
    name: "pulseboard_disconnects_total",
    help: "Connections closed, for any reason.",
    registers,
    collect() {
      this.reset();
      this.inc(counters.disconnects);
    },
  });
  new Counter({
    name: "pulseboard_handshake_rejections_total",
    help: "Connections refused at the handshake, by error code.",
    labelNames: ["reason"] as const,
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of counters.rejections) this.inc({ reason }, n);
    },
  });
  new Counter({
    name: "pulseboard_events_total",
    help: "Socket.IO events: `in` from clients (handled or refused), `out` emitted to clients.",
    labelNames: ["direction"] as const,
    registers,
    collect() {
      this.reset();
      this.inc({ direction: "in" }, counters.eventsIn);
      this.inc({ direction: "out" }, counters.eventsOut);
    },
  });
  new Counter({
    name: "pulseboard_message_bytes_total",
    help: "Bytes of Socket.IO message packets (events, acks, binary attachments) by direction.",
    labelNames: ["direction"] as const,
    registers,
    collect() {
      this.reset();
      this.inc({ direction: "in" }, counters.bytesIn);
      this.inc({ direction: "out" }, counters.bytesOut);
    },
  });
  new Counter({
    name: "pulseboard_errors_total",
    help: "Errors by transport: `ack` = an event answered with an error, `transport` = a connection that failed.",
    labelNames: ["transport", "kind"] as const,
    registers,
    collect() {
      this.reset();
      for (const t of TRANSPORTS) {
        this.inc({ transport: t, kind: "ack" }, counters.errors[t].ack);
        this.inc({ transport: t, kind: "transport" }, counters.errors[t].transport);
      }
    },
  });
  new Counter({
    name: "pulseboard_slow_consumers_total",
    help: "Sockets over OUTBOUND_BUFFER_MAX_BYTES: `dropped` = queued board ops dropped for a resync, `disconnected` = still over without them, closed.",
    labelNames: ["action"] as const,
    registers,
    collect() {
      this.reset();
      this.inc({ action: "dropped" }, counters.slowConsumers.dropped);
      this.inc({ action: "disconnected" }, counters.slowConsumers.disconnected);
    },
  });
  new Gauge({
    name: "pulseboard_event_loop_lag_seconds",
    help: "Event-loop delay over the last second.",
    labelNames: ["stat"] as const,
    registers,
    collect() {
      const { loop } = deps.process.latest;
      this.set({ stat: "p50" }, loop.p50 / 1_000);
      this.set({ stat: "p99" }, loop.p99 / 1_000);
      this.set({ stat: "max" }, loop.max / 1_000);
    },
  });
  const delivery = new Histogram({
    name: "pulseboard_delivery_latency_seconds",
    help: "End-to-end delivery latency reported by clients: server commit to client receipt, clock-corrected, sampled.",
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const rtt = new Histogram({
    name: "pulseboard_rtt_seconds",
    help: "Round-trip time of sampled client pings.",
    buckets: LATENCY_BUCKETS,
    registers,
  });

  return {
    registry,
    observeDelivery: (ms) => delivery.observe(ms / 1_000),
    observeRtt: (ms) => rtt.observe(ms / 1_000),
  };
}
