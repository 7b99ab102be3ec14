import { createServer, connect as tcpConnect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface Balancer {
  url: string;
  /** How many TCP connections went to each backend, by URL. */
  routed: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A TCP load balancer for tests: each new connection goes to the first backend whose readiness
 * (`/api/health`) answers 200, as a real balancer stops routing to a draining instance. A WebSocket is one TCP
 * connection, so a reconnecting client lands wherever readiness says.
 */
export async function startBalancer(backends: string[]): Promise<Balancer> {
  const routed = new Map<string, number>();
  const sockets = new Set<Socket>();
  const pick = async (): Promise<string | undefined> => {
    for (const url of backends) {
      const ok = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return url;
    }
    return undefined;
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    client.pause();
    void pick().then((target) => {
      if (!target || client.destroyed) return client.destroy();
      routed.set(target, (routed.get(target) ?? 0) + 1);
      const { hostname, port } = new URL(target);
      const upstream = tcpConnect({ host: hostname, port: Number(port) });
      sockets.add(upstream);
      upstream.on("close", () => {
        sockets.delete(upstream);
        client.destroy();
      });
      upstream.on("error", () => upstream.destroy());
      client.on("close", () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
