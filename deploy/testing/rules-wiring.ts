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
  for (const key of ["AUTH_SECRET", "REDIS_URL"]) {
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
