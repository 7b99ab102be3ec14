import { join } from "node:path";
import ts from "typescript";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";

interface Validatable {
  validate(): void;
}

/**
 * The Kubernetes kinds our manifests use, each with its kubernetes-models class (JSON-schema validation) and the
 * module and interface that describe its fields (for the unknown-field check). A kind missing here fails the test,
 * so a new kind cannot slip through unvalidated.
 */
const KINDS: Record<string, { model: new (data: never) => Validatable; module: string; type: string }> = {
  "v1/Namespace": { model: Namespace, module: "kubernetes-models/v1/Namespace", type: "INamespace" },
  "v1/ConfigMap": { model: ConfigMap, module: "kubernetes-models/v1/ConfigMap", type: "IConfigMap" },
  "v1/Secret": { model: Secret, module: "kubernetes-models/v1/Secret", type: "ISecret" },
  "v1/Service": { model: Service, module: "kubernetes-models/v1/Service", type: "IService" },
  "apps/v1/Deployment": {
    model: Deployment,
    module: "kubernetes-models/apps/v1/Deployment",
    type: "IDeployment",
  },
  "apps/v1/StatefulSet": {
    model: StatefulSet,
    module: "kubernetes-models/apps/v1/StatefulSet",
    type: "IStatefulSet",
  },
  "policy/v1/PodDisruptionBudget": {
    model: PodDisruptionBudget,
    module: "kubernetes-models/policy/v1/PodDisruptionBudget",
    type: "IPodDisruptionBudget",
  },
  "autoscaling/v2/HorizontalPodAutoscaler": {
    model: HorizontalPodAutoscaler,
    module: "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler",
    type: "IHorizontalPodAutoscaler",
  },
  "networking.k8s.io/v1/Ingress": {
    model: Ingress,
    module: "kubernetes-models/networking.k8s.io/v1/Ingress",
    type: "IIngress",
  },
};

export function kindKey(obj: { apiVersion?: unknown; kind?: unknown }): string {
  return `${String(obj.apiVersion)}/${String(obj.kind)}`;
}

export function isKnownKind(obj: { apiVersion?: unknown; kind?: unknown }): boolean {
  return kindKey(obj) in KINDS;
}

/** Validates against the Kubernetes JSON schema; returns the problems (empty when valid). */
export function schemaProblems(obj: { apiVersion?: unknown; kind?: unknown }): string[] {
  const entry = KINDS[kindKey(obj)];
  if (!entry) return [`no schema for ${kindKey(obj)}`];
  try {
    new entry.model(obj as never).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/**
 * Finds fields the Kubernetes API does not know, as `kubectl apply` does (strict field validation is its default).
 * The JSON schemas allow unknown properties, so a misspelt `readinesProbe` would pass them and then fail the
 * apply; here the object is walked alongside the TypeScript interface kubernetes-models generates from the same
 * OpenAPI spec.
 */
export class UnknownFieldChecker {
  private readonly checker: ts.TypeChecker;
  private readonly roots = new Map<string, ts.Type>();

  constructor(repoRoot: string) {
    const entries = Object.entries(KINDS);
    const virtualFile = join(repoRoot, "deploy", "__kube_kinds__.ts");
    const source = [
      ...entries.map(([, e], i) => `import type { ${e.type} as T${i} } from "${e.module}";`),
      `export interface Kinds {`,
      ...entries.map(([key], i) => `  ${JSON.stringify(key)}: T${i};`),
      `}`,
    ].join("\n");
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, ...rest) =>
      name === virtualFile
        ? ts.createSourceFile(name, source, version)
        : getSourceFile(name, version, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => name === virtualFile || fileExists(name);
    const program = ts.createProgram([virtualFile], options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(virtualFile));
    if (diagnostics.length > 0) {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostics[0]!.messageText, "\n"));
    }
    this.checker = program.getTypeChecker();
    const file = program.getSourceFile(virtualFile)!;
    const kinds = file.statements.find(ts.isInterfaceDeclaration)!;
    const kindsType = this.checker.getTypeAtLocation(kinds);
    for (const [key] of entries) {
      const prop = kindsType.getProperty(key)!;
      this.roots.set(key, this.checker.getTypeOfSymbol(prop));
    }
  }

  problems(obj: { apiVersion?: unknown; kind?: unknown }): string[] {
    const root = this.roots.get(kindKey(obj));
    if (!root) return [`no field list for ${kindKey(obj)}`];
    const out: string[] = [];
    this.walk(obj, root, "", out);
    return out;
  }

  private walk(value: unknown, type: ts.Type, path: string, out: string[]): void {
    if (value === null || typeof value !== "object") return;
    const candidates = this.objectMembers(this.checker.getNonNullableType(type));
    if (Array.isArray(value)) {
      const arrayType = candidates.find((t) => this.checker.isArrayType(t));
      if (!arrayType) return;
      const element = this.checker.getTypeArguments(arrayType as ts.TypeReference)[0];
      if (element) value.forEach((v, i) => this.walk(v, element, `${path}[${i}]`, out));
      return;
    }
    const objectTypes = candidates.filter((t) => !this.checker.isArrayType(t));
    if (objectTypes.length === 0) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      const prop = objectTypes.map((t) => t.getProperty(key)).find(Boolean);
      if (prop) {
        this.walk(child, this.checker.getTypeOfSymbol(prop), childPath, out);
        continue;
      }
      const index = objectTypes
        .map((t) => this.checker.getIndexTypeOfType(t, ts.IndexKind.String))
        .find(Boolean);
      if (index) this.walk(child, index, childPath, out);
      else out.push(`unknown field "${childPath}"`);
    }
  }

  /** The object-like members of a type (a union contributes each of its object members). */
  private objectMembers(type: ts.Type): ts.Type[] {
    const members = type.isUnion() ? type.types : [type];
    return members.filter((t) => (t.flags & ts.TypeFlags.Object) !== 0);
  }
}
