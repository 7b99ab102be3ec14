import type { IContainer } from "kubernetes-models/v1/Container";
import type { IProbe } from "kubernetes-models/v1/Probe";
import { envSchema } from "@/server/config/config";
import { imageFacts } from "./rules-docker";
import type { Repo } from "./repo";
import {
  allContainers,
  effectiveEnv,
  parseQuantity,
  podOf,
  podTemplates,
  preStopSeconds,
  type PodTemplate,
} from "./workloads";

export const WEB = "pulseboard-web";
export const WORKER = "pulseboard-worker";
const MiB = 2 ** 20;
/** Volume types the "restricted" Pod Security Standard allows. */
const RESTRICTED_VOLUMES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

export function resourceProblems(repo: Repo): string[] {
  return podTemplates(repo).flatMap((pod) =>
    allContainers(pod.spec).flatMap((c) => {
      const where = `${pod.name} container ${c.name}`;
      const problems: string[] = [];
      for (const kind of ["requests", "limits"] as const) {
        for (const resource of ["cpu", "memory"]) {
          const value = parseQuantity(c.resources?.[kind]?.[resource]);
          if (value === undefined || value <= 0) problems.push(`${where}: set resources.${kind}.${resource}`);
        }
      }
      for (const resource of ["cpu", "memory"]) {
        const request = parseQuantity(c.resources?.requests?.[resource]);
        const limit = parseQuantity(c.resources?.limits?.[resource]);
        if (request !== undefined && limit !== undefined && request > limit) {
          problems.push(`${where}: ${resource} request exceeds its limit`);
        }
      }
      return problems;
    }),
  );
}

/** The "restricted" Pod Security Standard, which namespace.yaml enforces, for every pod template. */
export function securityProblems(repo: Repo): string[] {
  return podTemplates(repo).flatMap(({ name, spec }) => {
    const problems: string[] = [];
    const pod = spec.securityContext ?? {};
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${name}: uses host namespaces`);
    for (const v of spec.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== "name");
      if (!type || !RESTRICTED_VOLUMES.includes(type)) problems.push(`${name}: volume ${v.name} is ${type}`);
    }
    for (const c of allContainers(spec)) {
      const sc = c.securityContext ?? {};
      const where = `${name} container ${c.name}`;
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true)
        problems.push(`${where}: runAsNonRoot must be true`);
      if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where}: runs as root`);
      if (sc.allowPrivilegeEscalation !== false)
        problems.push(`${where}: allowPrivilegeEscalation must be false`);
      if (sc.privileged) problems.push(`${where}: privileged`);
      if (!sc.capabilities?.drop?.includes("ALL")) problems.push(`${where}: must drop ALL capabilities`);
      const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
      if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
        problems.push(`${where}: needs a seccompProfile`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`);
    }
    return problems;
  });
}

function probePath(probe: IProbe | undefined): string | undefined {
  return probe?.httpGet?.path;
}

function probePortKnown(probe: IProbe | undefined, container: IContainer): boolean {
  const port = probe?.httpGet?.port;
  return (container.ports ?? []).some((p) => p.name === port || p.containerPort === port);
}

/** SHUTDOWN_TIMEOUT_MS as the container sees it, else the server's default. */
function shutdownTimeoutMs(repo: Repo, container: IContainer): number {
  const raw = effectiveEnv(repo, container).env.SHUTDOWN_TIMEOUT_MS;
  return raw === undefined ? envSchema.parse({}).SHUTDOWN_TIMEOUT_MS : Number(raw);
}

/** Grace period must cover preStop plus the server's own draining deadline. */
function graceProblems(repo: Repo, pod: PodTemplate): string[] {
  const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
  return pod.spec.containers.flatMap((c) => {
    const needed = preStopSeconds(c) + shutdownTimeoutMs(repo, c) / 1000;
    return grace > needed
      ? []
      : [
          `${pod.name}: terminationGracePeriodSeconds ${grace} must exceed preStop + SHUTDOWN_TIMEOUT_MS (${needed} s)`,
        ];
  });
}

/** Rules for the containers that run our image (web and worker). */
function appContainerProblems(repo: Repo, pod: PodTemplate, container: IContainer): string[] {
  const problems: string[] = [];
  const where = `${pod.name} container ${container.name}`;
  const image = imageFacts(repo);
  if (container.command)
    problems.push(`${where}: set args, not command (command replaces the tini entrypoint)`);
  const uid = container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
  if (uid !== image.uid) problems.push(`${where}: runAsUser ${uid} is not the image's USER ${image.uid}`);
  const mounts = (container.volumeMounts ?? []).map((m) => m.mountPath);
  if (!mounts.includes("/tmp"))
    problems.push(`${where}: mount a writable /tmp (the root filesystem is read-only)`);
  const env = effectiveEnv(repo, container);
  for (const missing of env.missing) problems.push(`${where}: references a missing ${missing}`);
  if (env.env.INSTANCE_ID !== "<metadata.name>")
    problems.push(`${where}: INSTANCE_ID must come from the pod name`);
  const heap = /--max-old-space-size=(\d+)/.exec(env.env.NODE_OPTIONS ?? "")?.[1];
  const limit = parseQuantity(container.resources?.limits?.memory);
  if (!heap) problems.push(`${where}: set NODE_OPTIONS=--max-old-space-size below the memory limit`);
  else if (limit !== undefined && Number(heap) * MiB > limit - 128 * MiB) {
    problems.push(`${where}: heap ${heap} MiB leaves under 128 MiB of the ${limit / MiB} MiB limit`);
  }
  return problems;
}

export function webProblems(repo: Repo): string[] {
  const pod = podOf(repo, WEB);
  if (!pod) return [`Deployment ${WEB} is missing`];
  const c = pod.spec.containers[0]!;
  const problems = [...appContainerProblems(repo, pod, c), ...graceProblems(repo, pod)];
  if (probePath(c.readinessProbe) !== "/api/health") problems.push("web readinessProbe must GET /api/health");
  if (probePath(c.livenessProbe) !== "/api/live") problems.push("web livenessProbe must GET /api/live");
  if (probePath(c.startupProbe) !== "/api/live") problems.push("web startupProbe must GET /api/live");
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
    if (probe && !probePortKnown(probe, c))
      problems.push(`web probe ${probe.httpGet?.path} targets an unknown port`);
  }
  if (preStopSeconds(c) <= 0)
    problems.push("web needs a preStop sleep, so endpoints update before draining starts");
  const workdir = imageFacts(repo).workdir ?? "/app";
  if (!(c.volumeMounts ?? []).some((m) => m.mountPath === `${workdir}/.next/cache`)) {
    problems.push(`web must mount a writable ${workdir}/.next/cache (Next writes its cache there)`);
  }
  const strategy = (pod.doc.obj.spec as { strategy?: { rollingUpdate?: Record<string, unknown> } }).strategy;
  const unavailable = strategy?.rollingUpdate?.maxUnavailable;
  if (unavailable !== 0 && unavailable !== "0%") problems.push("web rollouts must keep maxUnavailable at 0");
  if (!strategy?.rollingUpdate?.maxSurge) problems.push("web rollouts need maxSurge so capacity never drops");
  return problems;
}

export function workerProblems(repo: Repo): string[] {
  const pod = podOf(repo, WORKER);
  if (!pod) return [`Deployment ${WORKER} is missing`];
  const c = pod.spec.containers[0]!;
  const problems = [...appContainerProblems(repo, pod, c), ...graceProblems(repo, pod)];
  const args = c.args ?? [];
  const runsWorker = args.join(" ") === "npm run worker" || /^node .*worker\.js$/.test(args.join(" "));
  if (!runsWorker)
    problems.push(`the worker must run \`npm run worker\` (or node on its bundle), runs ${args}`);
  return problems;
}
