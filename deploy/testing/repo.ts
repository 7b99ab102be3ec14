import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

/** A Kubernetes-style object as read from YAML; only the envelope is typed until its schema has been checked. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface KubeDoc {
  /** Path relative to the repository root, e.g. deploy/k8s/web-deployment.yaml. */
  file: string;
  obj: KubeObject;
}

export interface YamlFile {
  file: string;
  docs: unknown[];
  /** Parse errors and warnings (duplicate keys, bad indentation, ...). */
  problems: string[];
}

/** Everything the deployment rules read, as plain data: tests clone it and break one thing to see a rule fire. */
export interface Repo {
  root: string;
  yamlFiles: YamlFile[];
  /** Every document under deploy/k8s that has an apiVersion and kind. */
  kube: KubeDoc[];
  dockerfile: string;
  dockerignore: string;
  ciRun: string;
  packageJson: { scripts: Record<string, string> };
  nvmrc: string;
  startScript: string;
  buildServerScript: string;
  nextConfigExists: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

export function parseYamlFile(root: string, path: string): YamlFile {
  const docs = parseAllDocuments(readFileSync(path, "utf8"), { uniqueKeys: true });
  const file = relative(root, path);
  const list = Array.isArray(docs) ? docs : [docs];
  return {
    file,
    docs: list.map((d) => d.toJS() as unknown),
    problems: list.flatMap((d) => [...d.errors, ...d.warnings].map((e) => `${file}: ${e.message}`)),
  };
}

export function loadRepo(root: string): Repo {
  const read = (path: string) => readFileSync(join(root, path), "utf8");
  const yamlFiles = walk(join(root, "deploy"))
    .filter((p) => /\.ya?ml$/.test(p))
    .sort()
    .map((p) => parseYamlFile(root, p));
  const kube = yamlFiles
    .filter((f) => f.file.startsWith(join("deploy", "k8s")))
    .flatMap((f) =>
      f.docs
        .filter(
          (d): d is KubeObject => typeof d === "object" && d !== null && "apiVersion" in d && "kind" in d,
        )
        .map((obj) => ({ file: f.file, obj })),
    );
  let nextConfigExists = true;
  try {
    read("next.config.js");
  } catch {
    nextConfigExists = false;
  }
  return {
    root,
    yamlFiles,
    kube,
    dockerfile: read("deploy/Dockerfile"),
    dockerignore: read(".dockerignore"),
    ciRun: read(".ci/run"),
    packageJson: JSON.parse(read("package.json")) as Repo["packageJson"],
    nvmrc: read(".nvmrc").trim(),
    startScript: read("scripts/start.mjs"),
    buildServerScript: read("scripts/build-server.mjs"),
    nextConfigExists,
  };
}

export function findKube(repo: Repo, kind: string, name: string): KubeDoc | undefined {
  return repo.kube.find((d) => d.obj.kind === kind && d.obj.metadata?.name === name);
}

export function kubeOfKind(repo: Repo, kind: string): KubeDoc[] {
  return repo.kube.filter((d) => d.obj.kind === kind);
}
