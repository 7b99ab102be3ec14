import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";
import { findKube, type KubeDoc, type Repo } from "./repo";

/** A workload's pod template, with where it came from. Only called on objects whose schema has been checked. */
export interface PodTemplate {
  doc: KubeDoc;
  name: string;
  template: IPodTemplateSpec;
  spec: IPodSpec;
}

export function podTemplates(repo: Repo): PodTemplate[] {
  return repo.kube
    .filter((d) => ["Deployment", "StatefulSet", "DaemonSet", "Job"].includes(d.obj.kind ?? ""))
    .map((doc) => {
      const template = (doc.obj.spec as { template: IPodTemplateSpec }).template;
      return { doc, name: `${doc.obj.kind}/${doc.obj.metadata?.name}`, template, spec: template.spec! };
    });
}

export function allContainers(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

export function podOf(repo: Repo, deploymentName: string): PodTemplate | undefined {
  return podTemplates(repo).find(
    (p) => p.doc.obj.kind === "Deployment" && p.doc.obj.metadata?.name === deploymentName,
  );
}

/** Kubernetes quantities: "500m" CPU, "768Mi" memory, "1" core. Returns cores or bytes. */
export function parseQuantity(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return value;
  const m = /^(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(value);
  if (!m) return undefined;
  const factors: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    Ki: 2 ** 10,
    M: 1e6,
    Mi: 2 ** 20,
    G: 1e9,
    Gi: 2 ** 30,
    T: 1e12,
    Ti: 2 ** 40,
  };
  return Number(m[1]) * (m[2] ? factors[m[2]]! : 1);
}

export interface EnvOptions {
  /** Values for keys of referenced Secrets; by default the values of the *.example.yaml Secrets. */
  secrets?: Record<string, string>;
  /** What a downward-API field resolves to, e.g. a realistic pod name for metadata.name. */
  fieldValues?: Record<string, string>;
}

/**
 * The environment a container would see: envFrom sources in order, then env entries (later ones win, as in
 * Kubernetes). Unresolvable references are reported in `missing`.
 */
export function effectiveEnv(
  repo: Repo,
  container: IContainer,
  options: EnvOptions = {},
): { env: Record<string, string>; missing: string[] } {
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const cm = findKube(repo, "ConfigMap", source.configMapRef.name ?? "");
      if (!cm) missing.push(`ConfigMap ${source.configMapRef.name}`);
      Object.assign(env, (cm?.obj.data as Record<string, string> | undefined) ?? {});
    }
    if (source.secretRef) {
      const secret = findKube(repo, "Secret", source.secretRef.name ?? "");
      if (!secret) missing.push(`Secret ${source.secretRef.name}`);
      const data = (secret?.obj.stringData as Record<string, string> | undefined) ?? {};
      for (const key of Object.keys(data)) env[key] = options.secrets?.[key] ?? data[key]!;
    }
  }
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (entry.valueFrom?.fieldRef) {
      const path = entry.valueFrom.fieldRef.fieldPath;
      env[entry.name] = options.fieldValues?.[path] ?? `<${path}>`;
    } else if (entry.valueFrom?.secretKeyRef) {
      // A key of a Secret: the stand-in given for it, else the example Secret's value.
      const { name, key } = entry.valueFrom.secretKeyRef;
      const secret = findKube(repo, "Secret", name ?? "");
      if (!secret) missing.push(`Secret ${name}`);
      const data = (secret?.obj.stringData as Record<string, string> | undefined) ?? {};
      env[entry.name] =
        options.secrets?.[key] ?? (Object.hasOwn(data, key) ? data[key]! : `<ref:${entry.name}>`);
    } else if (entry.valueFrom?.configMapKeyRef) {
      env[entry.name] = `<ref:${entry.name}>`;
    }
  }
  return { env, missing };
}

/** Seconds a preStop hook keeps the container alive before SIGTERM: `sleep N` via exec, or the sleep action. */
export function preStopSeconds(container: IContainer): number {
  const preStop = container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (preStop.sleep) return preStop.sleep.seconds;
  const m = /\bsleep\s+(\d+(?:\.\d+)?)/.exec((preStop.exec?.command ?? []).join(" "));
  return m ? Number(m[1]) : 0;
}

export function matchesSelector(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
