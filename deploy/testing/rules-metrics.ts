import type { IService } from "kubernetes-models/v1/Service";
import { findKube, kubeOfKind, type Repo } from "./repo";
import { WEB } from "./rules-pods";
import { matchesSelector, podOf } from "./workloads";

interface ScrapeJob {
  job_name?: string;
  metrics_path?: string;
  authorization?: { type?: string; credentials_file?: string };
  kubernetes_sd_configs?: { role?: string }[];
  relabel_configs?: { source_labels?: string[]; regex?: string; action?: string }[];
}

interface ServiceMonitor {
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    endpoints?: {
      port?: string;
      path?: string;
      authorization?: { credentials?: { name?: string; key?: string } };
    }[];
  };
}

/** Prometheus must scrape GET /metrics on each web pod, with the bearer token METRICS_TOKEN guards it with. */
export function metricsProblems(repo: Repo): string[] {
  const problems: string[] = [];
  const web = podOf(repo, WEB);
  const container = web?.spec.containers[0];
  const httpPort = container?.ports?.find((p) => p.name === "http");
  const annotations = web?.template.metadata?.annotations ?? {};
  if (annotations["prometheus.io/scrape"] !== "true")
    problems.push("web pods need prometheus.io/scrape: true");
  if (annotations["prometheus.io/path"] !== "/metrics")
    problems.push("web pods need prometheus.io/path: /metrics");
  if (Number(annotations["prometheus.io/port"]) !== httpPort?.containerPort) {
    problems.push("web pods' prometheus.io/port must be the http container port");
  }

  const scrape = repo.yamlFiles.find((f) => f.file === "deploy/prometheus/scrape.yaml")?.docs[0] as
    { scrape_configs?: ScrapeJob[] } | undefined;
  const jobs = scrape?.scrape_configs ?? [];
  if (jobs.length === 0) problems.push("deploy/prometheus/scrape.yaml has no scrape_configs");
  for (const job of jobs) {
    if (job.metrics_path !== "/metrics")
      problems.push(`scrape job ${job.job_name}: metrics_path must be /metrics`);
    if (job.authorization?.type !== "Bearer" || !job.authorization.credentials_file) {
      problems.push(`scrape job ${job.job_name}: send METRICS_TOKEN as a Bearer credentials_file`);
    }
  }
  const podJob = jobs.find((j) => j.kubernetes_sd_configs?.some((c) => c.role === "pod"));
  if (!podJob) problems.push("scrape.yaml needs a Kubernetes pod-discovery job");
  else {
    const keepsPort = podJob.relabel_configs?.some(
      (r) =>
        r.action === "keep" &&
        r.source_labels?.includes("__meta_kubernetes_pod_container_port_name") &&
        r.regex === httpPort?.name,
    );
    if (!keepsPort) problems.push("the pod scrape job must keep only the web container's http port");
  }

  const service = findKube(repo, "Service", "pulseboard-web")?.obj as IService | undefined;
  const secret = findKube(repo, "Secret", "pulseboard-secrets")?.obj.stringData as
    Record<string, string> | undefined;
  for (const doc of kubeOfKind(repo, "ServiceMonitor")) {
    const monitor = doc.obj as ServiceMonitor;
    if (!matchesSelector(monitor.spec?.selector?.matchLabels, service?.metadata?.labels ?? {})) {
      problems.push("the ServiceMonitor does not select the web Service");
    }
    for (const e of monitor.spec?.endpoints ?? []) {
      if (!service?.spec?.ports?.some((p) => p.name === e.port))
        problems.push(`ServiceMonitor port ${e.port} unknown`);
      if (e.path !== "/metrics") problems.push("the ServiceMonitor must scrape /metrics");
      const cred = e.authorization?.credentials;
      if (cred?.name !== "pulseboard-secrets" || !cred.key || !(cred.key in (secret ?? {}))) {
        problems.push("the ServiceMonitor must send METRICS_TOKEN from the pulseboard-secrets Secret");
      }
    }
  }
  return problems;
}
