import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OffsetSample } from "@/lib/client/clock-offset";
import { LatencySampler } from "@/lib/client/latency-sampler";
import { connect, connectOk, tokenFor, waitFor, type TestSocket } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";
import { userRoom } from "../realtime/types";
import { serverStamp } from "./clock";
import { parsePrometheusText, sampleValue } from "./prometheus-text";
import { eventually, metricValue, scrape } from "./test-helpers";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";

/** The families /metrics must serve, by type: the process and Node defaults, and every pulseboard_* series. */
const EXPECTED_TYPES = {
  process_cpu_seconds_total: "counter",
  process_resident_memory_bytes: "gauge",
  nodejs_heap_size_used_bytes: "gauge",
  pulseboard_instance_info: "gauge",
  pulseboard_connections: "gauge",
  pulseboard_users: "gauge",
  pulseboard_connects_total: "counter",
  pulseboard_disconnects_total: "counter",
  pulseboard_handshake_rejections_total: "counter",
  pulseboard_events_total: "counter",
  pulseboard_message_bytes_total: "counter",
  pulseboard_errors_total: "counter",
  pulseboard_slow_consumers_total: "counter",
  pulseboard_event_loop_lag_seconds: "gauge",
  pulseboard_delivery_latency_seconds: "histogram",
  pulseboard_rtt_seconds: "histogram",
};

describe("GET /metrics", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance({ env: { METRICS_TOKEN, INSTANCE_ID: "metrics-a" } });
  });
  afterAll(async () => {
    await server.close();
  });

  it("refuses a missing or wrong bearer token when METRICS_TOKEN is set", async () => {
    const missing = await fetch(`${server.url}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await missing.json()).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const basic = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Basic ${METRICS_TOKEN}` },
    });
    expect(basic.status).toBe(401);
  });

  it("serves Prometheus text with the defaults and the pulseboard_* series", async () => {
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = await scrape(server.url, METRICS_TOKEN);
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject(EXPECTED_TYPES);
    expect(
      sampleValue(families, "pulseboard_instance_info", { instance: "metrics-a", mode: "embedded" }),
    ).toBe(1);
    for (const reason of ["UNAUTHORIZED", "CONNECTION_LIMIT", "RATE_LIMITED", "FORBIDDEN", "DRAINING"]) {
      expect(sampleValue(families, "pulseboard_handshake_rejections_total", { reason })).toBe(0);
    }
    for (const transport of ["websocket", "polling"]) {
      expect(sampleValue(families, "pulseboard_connections", { transport })).toBe(0);
    }
    expect(sampleValue(families, "pulseboard_delivery_latency_seconds_bucket", { le: "+Inf" })).toBe(0);
    expect(
      sampleValue(families, "pulseboard_event_loop_lag_seconds", { stat: "p99" }),
    ).toBeGreaterThanOrEqual(0);
  });

  it("reads the same with an independent parser (parse-prometheus-text-format)", async () => {
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const text = await res.text();
    // It throws on any line it cannot read.
    const theirs = parsePrometheusTextFormat(text);
    const ours = parsePrometheusText(text);
    const theirTypes = Object.fromEntries(theirs.map((f) => [f.name, f.type.toLowerCase()]));
    expect(theirTypes).toMatchObject(EXPECTED_TYPES);
    expect(theirTypes).toEqual(Object.fromEntries([...ours.values()].map((f) => [f.name, f.type])));
    // Counters and gauges sample by sample; its histograms and summaries are flattened, so only their presence.
    const key = (labels: Record<string, string> | undefined, value: number) =>
      `${JSON.stringify(Object.entries(labels ?? {}).sort())} ${value}`;
    for (const family of theirs.filter((f) => f.type === "COUNTER" || f.type === "GAUGE")) {
      const theirSamples = family.metrics.map((m) => key(m.labels, Number(m.value)));
      const ourSamples = ours.get(family.name)!.samples.map((m) => key(m.labels, m.value));
      expect(theirSamples.sort(), family.name).toEqual(ourSamples.sort());
    }
  });
});

describe("live counters", () => {
  let server: TestInstance;
  const url = () => server.url;
  beforeAll(async () => {
    server = await startInstance();
  });
  afterAll(async () => {
    await server.close();
  });

  it("counts connections by transport, follows upgrades, and counts users once", async () => {
    const token = await tokenFor("alice");
    const ws = await connectOk(url(), { token });
    const ws2 = await connectOk(url(), { token: await tokenFor("bob") });
    const polling = await connectOk(url(), { token, transports: ["polling"] });
    const families = await scrape(url());
    expect(sampleValue(families, "pulseboard_connections", { transport: "websocket" })).toBe(2);
    expect(sampleValue(families, "pulseboard_connections", { transport: "polling" })).toBe(1);
    expect(sampleValue(families, "pulseboard_users")).toBe(2);
    expect(sampleValue(families, "pulseboard_connects_total")).toBe(3);

    // Starts on long-polling and upgrades: the connection moves from polling to websocket.
    const upgrading = await connectOk(url(), { token, transports: ["polling", "websocket"] });
    await eventually(async () => {
      expect(upgrading.io.engine.transport.name).toBe("websocket");
      expect(await metricValue(url(), "pulseboard_connections", { transport: "websocket" })).toBe(3);
      expect(await metricValue(url(), "pulseboard_connections", { transport: "polling" })).toBe(1);
    });

    for (const s of [ws, ws2, polling, upgrading]) s.close();
    await eventually(async () => {
      const after = await scrape(url());
      expect(sampleValue(after, "pulseboard_connections", { transport: "websocket" })).toBe(0);
      expect(sampleValue(after, "pulseboard_connections", { transport: "polling" })).toBe(0);
      expect(sampleValue(after, "pulseboard_users")).toBe(0);
      expect(sampleValue(after, "pulseboard_disconnects_total")).toBe(4);
    });
  });

  it("counts handshake rejections by reason", async () => {
    const before = await metricValue(url(), "pulseboard_handshake_rejections_total", {
      reason: "UNAUTHORIZED",
    });
    const refused = await connect(url(), {});
    expect(refused.ok).toBe(false);
    const forbidden = await connect(url(), {
      token: await tokenFor("alice"),
      origin: "https://evil.example",
    });
    expect(!forbidden.ok && forbidden.code).toBe("FORBIDDEN");
    const families = await scrape(url());
    expect(sampleValue(families, "pulseboard_handshake_rejections_total", { reason: "UNAUTHORIZED" })).toBe(
      before + 1,
    );
    expect(sampleValue(families, "pulseboard_handshake_rejections_total", { reason: "FORBIDDEN" })).toBe(1);
  });

  it("counts events in and out, their bytes, and error acks by transport", async () => {
    const socket = await connectOk(url(), { token: await tokenFor("carol") });
    const before = await scrape(url());
    const v = (f: typeof before, name: string, labels: Record<string, string>) =>
      sampleValue(f, name, labels) ?? 0;

    for (let i = 0; i < 3; i++) await socket.emitWithAck("system:ping", { t: i });
    const bad = await socket.emitWithAck("system:ping", { t: "soon" } as never);
    expect(bad.ok).toBe(false);
    const notice = waitFor(socket, "system:notice");
    server.app.io
      .to(userRoom("carol"))
      .emit("system:notice", { kind: "info", message: "hi", at: serverStamp() });
    await notice;

    const after = await scrape(url());
    expect(
      v(after, "pulseboard_events_total", { direction: "in" }) -
        v(before, "pulseboard_events_total", { direction: "in" }),
    ).toBe(4);
    expect(
      v(after, "pulseboard_events_total", { direction: "out" }) -
        v(before, "pulseboard_events_total", { direction: "out" }),
    ).toBe(1);
    expect(
      v(after, "pulseboard_errors_total", { transport: "websocket", kind: "ack" }) -
        v(before, "pulseboard_errors_total", { transport: "websocket", kind: "ack" }),
    ).toBe(1);
    const bytesIn =
      v(after, "pulseboard_message_bytes_total", { direction: "in" }) -
      v(before, "pulseboard_message_bytes_total", { direction: "in" });
    const bytesOut =
      v(after, "pulseboard_message_bytes_total", { direction: "out" }) -
      v(before, "pulseboard_message_bytes_total", { direction: "out" });
    // Four events of about 30 bytes each in; four acks and one notice out.
    expect(bytesIn).toBeGreaterThan(4 * 20);
    expect(bytesIn).toBeLessThan(4 * 60);
    expect(bytesOut).toBeGreaterThan(5 * 20);
    socket.close();
  });
});

describe("delivery latency and round trips", () => {
  let server: TestInstance;
  let socket: TestSocket;
  let sampler: LatencySampler;
  beforeAll(async () => {
    server = await startInstance();
    socket = await connectOk(server.url, { token: await tokenFor("dave") });
    sampler = new LatencySampler(socket, { reportEveryMs: 60_000, warmupGapMs: 20 });
    sampler.start();
  });
  afterAll(async () => {
    sampler.stop();
    socket.close();
    await server.close();
  });

  it("records clock-corrected samples of stamped pushes and ping round trips", async () => {
    await eventually(() => expect(sampler.stats().offsetMs).toBeDefined());
    // Same machine, same clock: the estimated offset is within its own error bound of zero, with no slack.
    const stats = sampler.stats();
    expect(Math.abs(stats.offsetMs!)).toBeLessThanOrEqual(stats.errorBoundMs!);

    let received = 0;
    socket.on("system:notice", () => received++);
    for (let i = 0; i < 5; i++) {
      server.app.io
        .to(userRoom("dave"))
        .emit("system:notice", { kind: "info", message: `n${i}`, at: serverStamp() });
    }
    await eventually(() => expect(received).toBe(5));
    await sampler.flush();

    const families = await scrape(server.url);
    expect(sampleValue(families, "pulseboard_delivery_latency_seconds_count")).toBe(5);
    expect(sampleValue(families, "pulseboard_rtt_seconds_count")).toBeGreaterThanOrEqual(3);
    // Local delivery: well under a second even on a busy machine.
    expect(sampleValue(families, "pulseboard_delivery_latency_seconds_bucket", { le: "1" })).toBe(5);
  });

  it("keeps every offset sample within its error bound even when the thread pauses between clock reads", async () => {
    // A wall clock whose read is followed by a 20 ms pause stands for a preempted thread or a GC between reading
    // t0 and starting the round-trip timer: deterministic, where the real pause happens once in a while on a busy
    // machine. Same machine, same clock: the true offset is 0, so each estimate must be within its own bound.
    // Pings are spaced so that each completes before the next (round trips of a few ms, not queued ones).
    const pauseMs = 20;
    const pausingNow = () => {
      const t = Date.now();
      const until = performance.now() + pauseMs;
      while (performance.now() < until) {
        // the pause
      }
      return t;
    };
    const other = await connectOk(server.url, { token: await tokenFor("frank") });
    const pings = 10;
    const probe = new LatencySampler(other, {
      now: pausingNow,
      warmupPings: pings,
      warmupGapMs: 100,
      pingEveryMs: 60_000,
      reportEveryMs: 60_000,
    });
    const samples: OffsetSample[] = [];
    const add = probe.clock.add.bind(probe.clock);
    probe.clock.add = (...args) => {
      const sample = add(...args);
      samples.push(sample);
      return sample;
    };
    probe.start();
    try {
      await eventually(() => expect(samples).toHaveLength(pings), 20_000);
      const outside = samples.filter((s) => !(Math.abs(s.offsetMs) <= s.errorMs));
      expect(outside).toEqual([]);
      const stats = probe.stats();
      expect(Math.abs(stats.offsetMs!)).toBeLessThanOrEqual(stats.errorBoundMs!);
    } finally {
      probe.stop();
      other.close();
    }
  });

  it("refuses oversized and too frequent reports", async () => {
    const big = await socket.emitWithAck("metrics:report", { samples: new Array(501).fill(1), rtt: [] });
    expect(big).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const negative = await socket.emitWithAck("metrics:report", { samples: [-1], rtt: [] });
    expect(negative).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const other = await connectOk(server.url, { token: await tokenFor("erin") });
    expect(await other.emitWithAck("metrics:report", { samples: [1], rtt: [] })).toMatchObject({
      ok: true,
      accepted: 1,
    });
    expect(await other.emitWithAck("metrics:report", { samples: [1], rtt: [] })).toMatchObject({
      ok: false,
      error: { code: "RATE_LIMITED" },
    });
    other.close();
  });
});
