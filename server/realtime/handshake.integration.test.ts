import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "@/lib/protocol/version";
import { connect, connectOk, sessionCookieFor, tokenFor, waitFor } from "../testing/clients";
import { startInstance, type TestInstance } from "../testing/instance";

describe("socket handshake (embedded)", () => {
  let server: TestInstance;
  beforeAll(async () => {
    server = await startInstance();
  });
  afterAll(() => server.close());

  it("refuses a socket with no credential", async () => {
    const outcome = await connect(server.url);
    expect(outcome).toMatchObject({ ok: false, code: "UNAUTHORIZED", data: { reason: "missing" } });
  });

  it("refuses a token signed with another secret", async () => {
    const forged = await tokenFor("alice", "admin", 3600, "another-secret-another-secret-another-secret");
    expect(await connect(server.url, { token: forged })).toMatchObject({
      ok: false,
      code: "UNAUTHORIZED",
      data: { reason: "invalid" },
    });
  });

  it("refuses a hand-made token that is not one of ours", async () => {
    const foreign = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("x".repeat(32)));
    expect(await connect(server.url, { token: foreign })).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    expect(await connect(server.url, { token: "not-a-jwt" })).toMatchObject({
      ok: false,
      code: "UNAUTHORIZED",
    });
  });

  it("refuses an expired token and says so", async () => {
    const token = await tokenFor("alice", "user", 1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await connect(server.url, { token })).toMatchObject({
      ok: false,
      code: "UNAUTHORIZED",
      data: { reason: "expired" },
    });
  });

  it("refuses a session cookie signed with another secret, and one that expired", async () => {
    const forged = await sessionCookieFor(
      "alice",
      "user",
      3600,
      "another-secret-another-secret-another-secret",
    );
    expect(await connect(server.url, { cookie: forged })).toMatchObject({
      ok: false,
      code: "UNAUTHORIZED",
      data: { reason: "invalid" },
    });
    const expired = await sessionCookieFor("alice", "user", -60);
    expect(await connect(server.url, { cookie: expired })).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
  });

  it("accepts a valid session cookie from an allowed origin", async () => {
    const socket = await connectOk(server.url, {
      cookie: await sessionCookieFor("bob"),
      origin: "http://localhost:3000",
    });
    const info = await socket.emitWithAck("session:info", {});
    expect(info).toMatchObject({
      ok: true,
      user: { name: "bob", role: "user" },
      instanceId: server.config.instanceId,
    });
    socket.close();
  });

  it("refuses a cross-origin browser handshake even with a valid cookie", async () => {
    const outcome = await connect(server.url, {
      cookie: await sessionCookieFor("bob"),
      origin: "https://evil.example",
    });
    expect(outcome).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("refuses a client speaking another protocol version", async () => {
    const outcome = await connect(server.url, {
      token: await tokenFor("alice"),
      auth: { v: PROTOCOL_VERSION + 1 },
    });
    expect(outcome).toMatchObject({
      ok: false,
      code: "UNSUPPORTED_PROTOCOL",
      data: { server: PROTOCOL_VERSION },
    });
  });

  it("connects with a token over long-polling too", async () => {
    const socket = await connectOk(server.url, { token: await tokenFor("alice"), transports: ["polling"] });
    expect((await socket.emitWithAck("session:info", {})).ok).toBe(true);
    socket.close();
  });

  it("closes the socket when its credential expires, after telling the client why", async () => {
    const socket = await connectOk(server.url, { token: await tokenFor("alice", "user", 2) });
    const notice = waitFor<{ kind: string }>(socket, "system:notice", 5_000);
    const disconnected = waitFor<string>(socket, "disconnect", 5_000);
    expect((await notice).kind).toBe("session-expired");
    expect(await disconnected).toBe("io server disconnect");
  });
});
