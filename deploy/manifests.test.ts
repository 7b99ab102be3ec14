import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { isKnownKind, kindKey, schemaProblems, UnknownFieldChecker } from "./testing/kube-schema";
import { findKube, loadRepo, type Repo } from "./testing/repo";
import { ciInstallCommand, dockerfileProblems, dockerignoreProblems } from "./testing/rules-docker";
import { metricsProblems } from "./testing/rules-metrics";
import { resourceProblems, securityProblems, webProblems, workerProblems } from "./testing/rules-pods";
import {
  configProblems,
  ingressProblems,
  kustomizationProblems,
  postgresProblems,
  redisProblems,
  wiringProblems,
} from "./testing/rules-wiring";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Custom resources and tool configs that no Kubernetes schema covers; the project rules check them instead. */
const NOT_CORE = ["kustomize.config.k8s.io/v1beta1/Kustomization", "monitoring.coreos.com/v1/ServiceMonitor"];

const repo = loadRepo(ROOT);

/** A copy of the repository's files with one thing broken, to show that a rule notices. */
function broken(change: (copy: Repo) => void): Repo {
  const copy = structuredClone(repo);
  change(copy);
  return copy;
}

/** The first container of a Deployment in a copy, for breaking it. */
function containerOf(copy: Repo, name: string) {
  const spec = findKube(copy, "Deployment", name)!.obj.spec as {
    template: { spec: { containers: Record<string, unknown>[]; terminationGracePeriodSeconds?: number } };
  };
  return { pod: spec.template.spec, container: spec.template.spec.containers[0]! };
}

describe("deployment files", () => {
  it("finds the manifests", () => {
    expect(repo.kube.map((d) => d.obj.kind)).toEqual(
      expect.arrayContaining(["Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "StatefulSet"]),
    );
  });

  it("parses every YAML file under deploy/ without errors or warnings", () => {
    expect(repo.yamlFiles.length).toBeGreaterThan(10);
    expect(repo.yamlFiles.flatMap((f) => f.problems)).toEqual([]);
  });
});

describe("Kubernetes schemas", () => {
  let fields: UnknownFieldChecker;
  beforeAll(() => {
    fields = new UnknownFieldChecker(ROOT);
  });

  it.each(repo.kube.map((d) => [`${d.file} ${d.obj.kind}/${d.obj.metadata?.name}`, d.obj] as const))(
    "%s validates",
    (_, obj) => {
      if (!isKnownKind(obj)) {
        expect(NOT_CORE, `no schema for ${kindKey(obj)}`).toContain(kindKey(obj));
        return;
      }
      expect(schemaProblems(obj)).toEqual([]);
      expect(fields.problems(obj)).toEqual([]);
    },
  );

  it("rejects wrong types and unknown fields", () => {
    const copy = broken((c) => {
      const { container } = containerOf(c, "pulseboard-web");
      container.readinesProbe = container.readinessProbe;
      (container.ports as { containerPort: unknown }[])[0]!.containerPort = "3000";
    });
    const web = findKube(copy, "Deployment", "pulseboard-web")!.obj;
    expect(schemaProblems(web).join()).toMatch(/containerPort must be integer/);
    expect(fields.problems(web)).toEqual(['unknown field "spec.template.spec.containers[0].readinesProbe"']);
  });
});

describe("the image (deploy/Dockerfile)", () => {
  it("builds with CI's commands and runs node directly as a non-root user", () => {
    expect(ciInstallCommand(repo)).toMatch(/^npm ci\b/);
    expect(dockerfileProblems(repo)).toEqual([]);
  });

  it("keeps the build's inputs in the context and local state out", () => {
    expect(dockerignoreProblems(repo)).toEqual([]);
  });

  it.each([
    [
      "CI installs differently",
      (c: Repo) => (c.ciRun = c.ciRun.replace("npm ci --no-audit", "npm ci --audit")),
    ],
    [
      "CMD goes through npm",
      (c: Repo) => (c.dockerfile = c.dockerfile.replace(/^CMD .*$/m, 'CMD ["npm", "start"]')),
    ],
    [
      "the runtime runs as root",
      (c: Repo) => (c.dockerfile = c.dockerfile.replace("USER 10001:10001", "USER root")),
    ],
    ["NODE_ENV is unset", (c: Repo) => (c.dockerfile = c.dockerfile.replace("NODE_ENV=production", "X=1"))],
    [
      "the build is not copied",
      (c: Repo) => (c.dockerfile = c.dockerfile.replace("COPY --from=build /app/dist", "#")),
    ],
    ["the image runs a Node older than the build machines", (c: Repo) => (c.nvmrc = "26")],
    [
      "the image runs a Node without support",
      (c: Repo) =>
        (c.dockerfile = c.dockerfile.replace(
          /^ARG NODE_IMAGE=.*$/m,
          "ARG NODE_IMAGE=node:20.20-bookworm-slim",
        )),
    ],
    [
      "the image runs a Node that is not an LTS line",
      (c: Repo) =>
        (c.dockerfile = c.dockerfile.replace(/^ARG NODE_IMAGE=.*$/m, "ARG NODE_IMAGE=node:25-bookworm-slim")),
    ],
    ["tini does not signal the group", (c: Repo) => (c.dockerfile = c.dockerfile.replace('"-g", ', ""))],
  ])("notices when %s", (_, change) => {
    expect(dockerfileProblems(broken(change))).not.toEqual([]);
  });

  it("notices when .dockerignore drops a build input or lets .env in", () => {
    expect(dockerignoreProblems(broken((c) => (c.dockerignore += "\nserver\n")))).toEqual([
      ".dockerignore leaves out server/index.ts, which the build needs",
    ]);
    expect(
      dockerignoreProblems(broken((c) => (c.dockerignore = c.dockerignore.replace(/^\.env.*$/gm, "")))),
    ).toEqual([".dockerignore must leave out .env", ".dockerignore must leave out .env.local"]);
  });
});

describe("workloads", () => {
  it("set requests and limits on every container", () => expect(resourceProblems(repo)).toEqual([]));
  it("meet the restricted Pod Security Standard", () => expect(securityProblems(repo)).toEqual([]));
  it("web: probes, draining, rollout and writable paths", () => expect(webProblems(repo)).toEqual([]));
  it("worker: command, signals and grace period", () => expect(workerProblems(repo)).toEqual([]));

  it("notices a grace period that does not cover preStop + SHUTDOWN_TIMEOUT_MS", () => {
    const short = broken((c) => (containerOf(c, "pulseboard-web").pod.terminationGracePeriodSeconds = 15));
    expect(webProblems(short)).toEqual([
      "Deployment/pulseboard-web: terminationGracePeriodSeconds 15 must exceed preStop + SHUTDOWN_TIMEOUT_MS (15 s)",
    ]);
    const slower = broken((c) => {
      (
        findKube(c, "ConfigMap", "pulseboard-config")!.obj.data as Record<string, string>
      ).SHUTDOWN_TIMEOUT_MS = "30000";
    });
    expect(webProblems(slower).join()).toMatch(/must exceed preStop \+ SHUTDOWN_TIMEOUT_MS \(35 s\)/);
    expect(workerProblems(slower).join()).toMatch(/terminationGracePeriodSeconds 30 must exceed/);
  });

  it("notices wrong probes, missing resources, root and a replaced entrypoint", () => {
    const copy = broken((c) => {
      const { container } = containerOf(c, "pulseboard-web");
      (container.readinessProbe as { httpGet: { path: string } }).httpGet.path = "/api/live";
      delete (container.resources as { limits?: unknown }).limits;
      container.command = ["node", "dist/server.js"];
      (container.securityContext as Record<string, unknown>).runAsNonRoot = false;
    });
    expect(webProblems(copy)).toEqual(
      expect.arrayContaining([
        "web readinessProbe must GET /api/health",
        "Deployment/pulseboard-web container web: set args, not command (command replaces the tini entrypoint)",
      ]),
    );
    expect(resourceProblems(copy)).toEqual([
      "Deployment/pulseboard-web container web: set resources.limits.cpu",
      "Deployment/pulseboard-web container web: set resources.limits.memory",
    ]);
    expect(securityProblems(copy)).toEqual([
      "Deployment/pulseboard-web container web: runAsNonRoot must be true",
    ]);
  });
});

describe("wiring and configuration", () => {
  it("connects Service, Ingress, HPA and PDB to the web pods", () =>
    expect(wiringProblems(repo)).toEqual([]));
  it("sets WebSocket timeouts and cookie affinity on the Ingress", () =>
    expect(ingressProblems(repo)).toEqual([]));
  it("gives the server a configuration it accepts", () => expect(configProblems(repo)).toEqual([]));
  it("persists the example Redis with an append-only file", () => expect(redisProblems(repo)).toEqual([]));
  it("runs the example PostgreSQL durably, probed with pg_isready, where DATABASE_URL points", () =>
    expect(postgresProblems(repo)).toEqual([]));
  it("lets Prometheus scrape every pod's /metrics", () => expect(metricsProblems(repo)).toEqual([]));
  it("lists every manifest in its kustomization", () => expect(kustomizationProblems(repo)).toEqual([]));

  it("notices a misspelt variable, a wrong public URL and a usable example secret", () => {
    const copy = broken((c) => {
      const data = findKube(c, "ConfigMap", "pulseboard-config")!.obj.data as Record<string, string>;
      data.SHUTDOWN_TIMEOUT = "5000";
      data.NEXTAUTH_URL = "https://elsewhere.example.com";
      (findKube(c, "Secret", "pulseboard-secrets")!.obj.stringData as Record<string, string>).AUTH_SECRET =
        "x".repeat(40);
    });
    expect(configProblems(copy)).toEqual(
      expect.arrayContaining([
        "ConfigMap key SHUTDOWN_TIMEOUT is not a Pulseboard variable (a typo is ignored silently)",
        "ALLOWED_ORIGINS must include NEXTAUTH_URL",
        "NEXTAUTH_URL's host elsewhere.example.com is not the Ingress host",
        "the example Secret's AUTH_SECRET placeholder is a valid secret; make it invalid",
      ]),
    );
    const badValue = broken((c) => {
      (findKube(c, "ConfigMap", "pulseboard-config")!.obj.data as Record<string, string>).LOG_LEVEL =
        "verbose";
    });
    expect(configProblems(badValue).join()).toMatch(/LOG_LEVEL/);
  });

  it("notices a Service that selects nothing and a worker listed without its script", () => {
    const copy = broken((c) => {
      (findKube(c, "Service", "pulseboard-web")!.obj.spec as { selector: Record<string, string> }).selector =
        {
          app: "other",
        };
    });
    expect(wiringProblems(copy)).toEqual(["the Service does not select the web pods"]);
    const withoutWorker = broken((c) => delete c.packageJson.scripts.worker);
    expect(kustomizationProblems(withoutWorker)).toEqual([
      "worker-deployment.yaml is listed but there is no worker script yet",
    ]);
  });

  it("notices Redis without append-only persistence and a narrow proxy timeout", () => {
    const copy = broken((c) => {
      const data = findKube(c, "ConfigMap", "redis-config")!.obj.data as Record<string, string>;
      data["redis.conf"] = data["redis.conf"]!.replace("appendonly yes", "appendonly no");
      const ingress = findKube(c, "Ingress", "pulseboard")!.obj.metadata!.annotations!;
      ingress["nginx.ingress.kubernetes.io/proxy-read-timeout"] = "30";
    });
    expect(redisProblems(copy)).toEqual(["redis.conf: appendonly must be yes"]);
    expect(ingressProblems(copy)).toEqual(["Ingress proxy-read-timeout must exceed Socket.IO's 45 s"]);
  });

  it("notices PostgreSQL without durable commits, probes or room for every pod, and a pod without DATABASE_URL", () => {
    const copy = broken((c) => {
      const data = findKube(c, "ConfigMap", "postgres-config")!.obj.data as Record<string, string>;
      data["postgresql.conf"] = data["postgresql.conf"]!.replace(
        "synchronous_commit = on",
        "synchronous_commit = off",
      ).replace(/max_connections = \d+/, "max_connections = 100");
      const pod = (
        findKube(c, "StatefulSet", "postgres")!.obj.spec as {
          template: { spec: { containers: Record<string, unknown>[] } };
        }
      ).template.spec.containers[0]!;
      pod.readinessProbe = { tcpSocket: { port: 5432 } };
      const env = pod.env as { name: string; value?: string }[];
      env.find((e) => e.name === "PGDATA")!.value = "/var/lib/postgresql/data";
    });
    expect(postgresProblems(copy)).toEqual([
      "postgresql.conf: synchronous_commit must be on",
      "PGDATA must be a folder inside the claim's mount (initdb refuses a mount point)",
      "postgres readinessProbe must run pg_isready",
      "postgresql.conf: max_connections 100 must exceed 120 (10 per web and worker pod)",
    ]);

    const elsewhere = broken((c) => {
      (findKube(c, "Secret", "pulseboard-secrets")!.obj.stringData as Record<string, string>).DATABASE_URL =
        "postgres://app:x@db:5432/other";
    });
    expect(postgresProblems(elsewhere)).toEqual([
      "the example DATABASE_URL does not name the postgres Service and its port",
      "the example DATABASE_URL's user is not POSTGRES_USER",
      "the example DATABASE_URL's database is not POSTGRES_DB",
    ]);

    const noDatabase = broken((c) => {
      const { container } = containerOf(c, "pulseboard-worker");
      container.env = (container.env as { name: string }[]).filter((e) => e.name !== "DATABASE_URL");
      delete (findKube(c, "Secret", "pulseboard-secrets")!.obj.stringData as Record<string, string>)
        .DATABASE_URL;
    });
    expect(configProblems(noDatabase)).toEqual(
      expect.arrayContaining([
        // The server's own configuration check refuses Redis mode without a database.
        expect.stringMatching(
          /^pulseboard-worker: Invalid configuration: DATABASE_URL: required when REDIS_URL/,
        ),
        "the example Secret must show DATABASE_URL",
      ]),
    );
  });
});
