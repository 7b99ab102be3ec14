import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IService } from "kubernetes-models/v1/Service";
import { ConfigError, envSchema, loadConfig } from "@/server/config/config";
import { findKube, kubeOfKind, type Repo } from "./repo";
import { WEB, WORKER } from "./rules-pods";
import { effectiveEnv, matchesSelector, podOf, podTemplates } from "./workloads";

const SERVICE = "pulseboard-web";
const CONFIG = "pulseboard-config";
const INGRESS = "pulseboard";
/** Socket.IO's heartbeat: pingInterval 25 s + pingTimeout 20 s. Proxy idle timeouts must exceed it. */
const HEARTBEAT_SECONDS = 45;
/** Valid stand-ins for the Secret's values, to check that the rest of the configuration loads. */
const GOOD_SECRETS = {
  AUTH_SECRET: "s".repeat(44),
  REDIS_URL: "redis://redis:6379",
  DATABASE_URL: "postgres://pulseboard:password@postgres:5432/pulseboard",
  METRICS_TOKEN: "t".repeat(32),
};
const POD_NAME = { "metadata.name": "pulseboard-web-7d9f8b6c5d-x2x7k" };

function get<T>(repo: Repo, kind: string, name: string): T | undefined {
  return findKube(repo, kind, name)?.obj as T | undefined;
}

export function wiringProblems(repo: Repo): string[] {
  const problems: string[] = [];
  for (const pod of podTemplates(repo)) {
    const selector = (pod.doc.obj.spec as { selector?: { matchLabels?: Record<string, string> } }).selector;
    if (!matchesSelector(selector?.matchLabels, pod.template.metadata?.labels ?? {})) {
      problems.push(`${pod.name}: selector does not match its pod labels`);
    }
  }
  const web = podOf(repo, WEB);
  const webLabels = web?.template.metadata?.labels ?? {};
  const webPorts = web?.spec.containers[0]?.ports ?? [];
  const service = get<IService>(repo, "Service", SERVICE);
  if (!service) problems.push(`Service ${SERVICE} is missing`);
  else {
    if (!matchesSelector(service.spec?.selector, webLabels))
      problems.push("the Service does not select the web pods");
    for (const port of service.spec?.ports ?? []) {
      if (!webPorts.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort)) {
        problems.push(`Service port ${port.name} targets ${port.targetPort}, which the web container lacks`);
      }
    }
  }
  for (const ingress of kubeOfKind(repo, "Ingress").map((d) => d.obj as unknown as IIngress)) {
    for (const path of ingress.spec?.rules?.flatMap((r) => r.http?.paths ?? []) ?? []) {
      const backend = path.backend.service;
      const target = backend && get<IService>(repo, "Service", backend.name);
      const port = backend?.port;
      if (!target) problems.push(`Ingress routes to a missing Service ${backend?.name}`);
      else if (!target.spec?.ports?.some((p) => p.name === port?.name || p.port === port?.number)) {
        problems.push(
          `Ingress routes to port ${port?.name ?? port?.number}, which Service ${backend.name} lacks`,
        );
      }
    }
  }
  const hpa = get<IHorizontalPodAutoscaler>(repo, "HorizontalPodAutoscaler", WEB);
  const pdb = get<IPodDisruptionBudget>(repo, "PodDisruptionBudget", WEB);
  if (!hpa) problems.push(`HorizontalPodAutoscaler ${WEB} is missing`);
  else {
    const target = hpa.spec?.scaleTargetRef;
    if (target?.kind !== "Deployment" || target.name !== WEB)
      problems.push("the HPA must scale the web Deployment");
    if ((hpa.spec?.minReplicas ?? 1) < 2) problems.push("the HPA must keep at least 2 web pods");
    if (!hpa.spec?.metrics?.some((m) => m.resource?.name === "cpu"))
      problems.push("the HPA must scale on CPU");
    if (
      (findKube(repo, "Deployment", WEB)?.obj.spec as { replicas?: number } | undefined)?.replicas !==
      undefined
    ) {
      problems.push("the web Deployment sets replicas, which would reset the HPA's count on every apply");
    }
  }
  if (!pdb) problems.push(`PodDisruptionBudget ${WEB} is missing`);
  else {
    if (!matchesSelector(pdb.spec?.selector?.matchLabels, webLabels))
      problems.push("the PDB does not select web pods");
    const maxUnavailable = Number(pdb.spec?.maxUnavailable ?? NaN);
    if (!(maxUnavailable >= 1 && maxUnavailable < (hpa?.spec?.minReplicas ?? 1))) {
      problems.push("the PDB must allow one disruption while keeping a web pod serving");
    }
  }
  return problems;
}

export function ingressProblems(repo: Repo): string[] {
  const ingress = get<IIngress>(repo, "Ingress", INGRESS);
  if (!ingress) return [`Ingress ${INGRESS} is missing`];
  const a = ingress.metadata?.annotations ?? {};
  const problems: string[] = [];
  if (ingress.spec?.ingressClassName !== "nginx")
    problems.push("the Ingress is written for ingressClassName nginx");
  for (const key of ["proxy-read-timeout", "proxy-send-timeout"]) {
    const value = Number(a[`nginx.ingress.kubernetes.io/${key}`]);
    if (!(value > HEARTBEAT_SECONDS))
      problems.push(`Ingress ${key} must exceed Socket.IO's ${HEARTBEAT_SECONDS} s`);
  }
  // Our choice (docs/DEPLOY.md): cookie affinity, so the long-polling fallback works behind several pods.
  if (a["nginx.ingress.kubernetes.io/affinity"] !== "cookie")
    problems.push("the Ingress needs cookie affinity");
  return problems;
}

export function configProblems(repo: Repo): string[] {
  const problems: string[] = [];
  const known = new Set(Object.keys(envSchema.shape));
  const data = (findKube(repo, "ConfigMap", CONFIG)?.obj.data ?? {}) as Record<string, string>;
  for (const key of Object.keys(data)) {
    if (!known.has(key))
      problems.push(`ConfigMap key ${key} is not a Pulseboard variable (a typo is ignored silently)`);
  }
  for (const name of [WEB, WORKER]) {
    const container = podOf(repo, name)?.spec.containers[0];
    if (!container) continue;
    const { env } = effectiveEnv(repo, container, { secrets: GOOD_SECRETS, fieldValues: POD_NAME });
    try {
      const config = loadConfig({ ...env, NODE_ENV: "production" });
      if (config.mode !== "redis")
        problems.push(`${name}: runs in embedded mode; Kubernetes needs REDIS_URL`);
      const ingress = get<IIngress>(repo, "Ingress", INGRESS);
      const url = new URL(config.publicUrl);
      if (!config.allowedOrigins.includes(url.origin))
        problems.push("ALLOWED_ORIGINS must include NEXTAUTH_URL");
      if (ingress && !ingress.spec?.rules?.some((r) => r.host === url.hostname)) {
        problems.push(`NEXTAUTH_URL's host ${url.hostname} is not the Ingress host`);
      }
      if (ingress?.spec?.tls?.length && url.protocol !== "https:")
        problems.push("NEXTAUTH_URL must be https");
    } catch (err) {
      problems.push(`${name}: ${err instanceof ConfigError ? err.message : String(err)}`);
    }
  }
  // The example Secret's placeholders must not be usable: applying it by mistake has to fail loudly.
  const example = findKube(repo, "Secret", "pulseboard-secrets");
  const stringData = (example?.obj.stringData ?? {}) as Record<string, string>;
  for (const key of ["AUTH_SECRET", "REDIS_URL", "DATABASE_URL"]) {
    if (!(key in stringData)) problems.push(`the example Secret must show ${key}`);
  }
  if (envSchema.shape.AUTH_SECRET.safeParse(stringData.AUTH_SECRET).success) {
    problems.push("the example Secret's AUTH_SECRET placeholder is a valid secret; make it invalid");
  }
  return problems;
}

export function redisProblems(repo: Repo): string[] {
  const sts = podTemplates(repo).find(
    (p) => p.doc.obj.kind === "StatefulSet" && p.doc.obj.metadata?.name === "redis",
  );
  if (!sts) return ["the example Redis StatefulSet is missing"];
  const problems: string[] = [];
  const c = sts.spec.containers[0]!;
  const configVolume = sts.spec.volumes?.find((v) => v.configMap);
  const conf = String(
    (findKube(repo, "ConfigMap", configVolume?.configMap?.name ?? "")?.obj.data as Record<string, string>)?.[
      "redis.conf"
    ] ?? "",
  );
  const setting = (name: string) => new RegExp(`^\\s*${name}\\s+(\\S+)`, "m").exec(conf)?.[1];
  if (setting("appendonly") !== "yes") problems.push("redis.conf: appendonly must be yes");
  if (setting("appendfsync") !== "everysec") problems.push("redis.conf: appendfsync should be everysec");
  if (setting("maxmemory-policy") !== "noeviction")
    problems.push("redis.conf: maxmemory-policy must be noeviction");
  const claims = (sts.doc.obj.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] })
    .volumeClaimTemplates;
  const dataMount = c.volumeMounts?.find((m) => claims?.some((t) => t.metadata?.name === m.name));
  if (!dataMount) problems.push("Redis must keep its data on a PersistentVolumeClaim");
  else if (setting("dir") !== dataMount.mountPath)
    problems.push("redis.conf's dir must be the PVC's mount path");
  const configMount = c.volumeMounts?.find((m) => m.name === configVolume?.name)?.mountPath;
  if (!configMount || !(c.args ?? []).includes(`${configMount}/redis.conf`)) {
    problems.push("redis-server must be started with the mounted redis.conf");
  }
  return problems;
}

/** Each process (web or worker pod) opens at most this many PostgreSQL connections (server/db/open.ts). */
export const POOL_PER_PROCESS = 10;

/**
 * The example PostgreSQL (deploy/k8s/postgres): durable commits, data on its claim, probed with pg_isready, its
 * password from a Secret, reachable as the example DATABASE_URL says, with connections for every Pulseboard pod.
 */
export function postgresProblems(repo: Repo): string[] {
  const sts = podTemplates(repo).find(
    (p) => p.doc.obj.kind === "StatefulSet" && p.doc.obj.metadata?.name === "postgres",
  );
  if (!sts) return ["the example PostgreSQL StatefulSet is missing"];
  const problems: string[] = [];
  const c = sts.spec.containers[0]!;
  const configVolume = sts.spec.volumes?.find((v) => v.configMap);
  const conf = String(
    (findKube(repo, "ConfigMap", configVolume?.configMap?.name ?? "")?.obj.data as Record<string, string>)?.[
      "postgresql.conf"
    ] ?? "",
  );
  const setting = (name: string) => new RegExp(`^\\s*${name}\\s*=\\s*'?([^'\\s#]+)`, "m").exec(conf)?.[1];
  for (const name of ["synchronous_commit", "fsync", "full_page_writes"])
    if (setting(name) !== "on") problems.push(`postgresql.conf: ${name} must be on`);
  const configMount = c.volumeMounts?.find((m) => m.name === configVolume?.name)?.mountPath;
  if (!configMount || !(c.args ?? []).includes(`config_file=${configMount}/postgresql.conf`))
    problems.push("postgres must be started with the mounted postgresql.conf");

  const env = new Map((c.env ?? []).map((e) => [e.name, e]));
  const claims = (sts.doc.obj.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] })
    .volumeClaimTemplates;
  const dataMount = c.volumeMounts?.find((m) => claims?.some((t) => t.metadata?.name === m.name));
  const pgdata = env.get("PGDATA")?.value ?? "/var/lib/postgresql/data";
  if (!dataMount) problems.push("PostgreSQL must keep its data on a PersistentVolumeClaim");
  else if (!pgdata.startsWith(`${dataMount.mountPath}/`))
    problems.push("PGDATA must be a folder inside the claim's mount (initdb refuses a mount point)");
  if (!env.get("POSTGRES_PASSWORD")?.valueFrom?.secretKeyRef)
    problems.push("POSTGRES_PASSWORD must come from a Secret");

  for (const [kind, probe] of [
    ["readinessProbe", c.readinessProbe],
    ["livenessProbe", c.livenessProbe],
  ] as const) {
    if (probe?.exec?.command?.[0] !== "pg_isready") problems.push(`postgres ${kind} must run pg_isready`);
  }

  // The example DATABASE_URL reaches this server: its Service, port, user and database.
  const service = findKube(repo, "Service", "postgres")?.obj as IService | undefined;
  if (!service || !matchesSelector(service.spec?.selector, sts.template.metadata?.labels ?? {}))
    problems.push("the postgres Service does not select the PostgreSQL pod");
  const example = (findKube(repo, "Secret", "pulseboard-secrets")?.obj.stringData ?? {}) as Record<
    string,
    string
  >;
  try {
    const url = new URL(example.DATABASE_URL ?? "");
    const port = service?.spec?.ports?.find((p) => p.port === Number(url.port || 5432));
    if (url.hostname !== service?.metadata?.name || !port)
      problems.push("the example DATABASE_URL does not name the postgres Service and its port");
    if (decodeURIComponent(url.username) !== env.get("POSTGRES_USER")?.value)
      problems.push("the example DATABASE_URL's user is not POSTGRES_USER");
    if (url.pathname.slice(1) !== env.get("POSTGRES_DB")?.value)
      problems.push("the example DATABASE_URL's database is not POSTGRES_DB");
  } catch {
    problems.push("the example Secret's DATABASE_URL is not a URL");
  }

  const hpa = findKube(repo, "HorizontalPodAutoscaler", WEB)?.obj as IHorizontalPodAutoscaler | undefined;
  const workers = Number(
    (findKube(repo, "Deployment", WORKER)?.obj.spec as { replicas?: number })?.replicas ?? 1,
  );
  const needed = ((hpa?.spec?.maxReplicas ?? 1) + workers) * POOL_PER_PROCESS;
  const max = Number(setting("max_connections") ?? 100);
  if (max <= needed)
    problems.push(
      `postgresql.conf: max_connections ${max} must exceed ${needed} (${POOL_PER_PROCESS} per web and worker pod)`,
    );
  return problems;
}

/** Each kustomization lists its folder's manifests; the worker is listed exactly when its script exists. */
export function kustomizationProblems(repo: Repo): string[] {
  const problems: string[] = [];
  const hasWorker = "worker" in repo.packageJson.scripts;
  for (const file of repo.yamlFiles.filter((f) => basename(f.file) === "kustomization.yaml")) {
    const k = file.docs[0] as { resources?: string[]; images?: { name: string }[] };
    const dir = dirname(file.file);
    for (const r of k.resources ?? []) {
      if (!existsSync(join(repo.root, dir, r)))
        problems.push(`${file.file} lists ${r}, which does not exist`);
    }
    const own = readdirSync(join(repo.root, dir)).filter(
      (f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml" && !f.endsWith(".example.yaml"),
    );
    for (const f of own) {
      const listed = (k.resources ?? []).includes(f);
      if (f === "worker-deployment.yaml") {
        if (hasWorker && !listed)
          problems.push(`package.json has a worker script: list ${f} in ${file.file}`);
        if (!hasWorker && listed) problems.push(`${f} is listed but there is no worker script yet`);
      } else if (!listed) problems.push(`${file.file} does not list ${f}`);
    }
    const images = new Set(
      podTemplates(repo)
        .filter((p) => dirname(p.doc.file) === dir)
        .flatMap((p) => p.spec.containers.map((c) => (c.image ?? "").replace(/:[^:/]+$/, ""))),
    );
    for (const image of k.images ?? []) {
      if (!images.has(image.name))
        problems.push(`${file.file} retags ${image.name}, which no container uses`);
    }
  }
  return problems;
}
