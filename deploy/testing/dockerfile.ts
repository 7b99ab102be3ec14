/**
 * Just enough of a Dockerfile parser to check ours: stages, their instructions, and the shell commands of each RUN
 * split at `&&`. It follows the Dockerfile reference for line continuations, comments and global ARGs.
 */

export interface Instruction {
  keyword: string;
  /** Flags such as `--from=build` or `--mount=...`, in order. */
  flags: string[];
  /** The rest of the line after the flags. */
  args: string;
  line: number;
}

export interface Stage {
  name?: string;
  /** The image or stage this one starts from, with global ARGs substituted. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  stages: Stage[];
}

function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, i) => {
    const trimmed = raw.trim();
    // Comment lines are dropped, even inside a continued instruction (as Docker does).
    if (trimmed.startsWith("#") || (trimmed === "" && !current)) return;
    const continued = trimmed.endsWith("\\");
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    if (current) current.text += ` ${part}`;
    else current = { text: part, line: i + 1 };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

function splitFlags(rest: string): { flags: string[]; args: string } {
  const flags: string[] = [];
  let args = rest.trim();
  for (let m = /^(--\S+)\s*/.exec(args); m; m = /^(--\S+)\s*/.exec(args)) {
    flags.push(m[1]!);
    args = args.slice(m[0].length);
  }
  return { flags, args };
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    const m = /^(\S+)\s*(.*)$/.exec(lineText);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    const { flags, args } = splitFlags(m[2]!);
    if (keyword === "FROM") {
      const [image = "", as, name] = args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => {
        return globalArgs.get((a ?? b)!) ?? "";
      });
      stages.push({ from, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword === "ARG") {
        const [k, v = ""] = args.split("=", 2);
        globalArgs.set(k!.trim(), v.trim());
      }
      continue;
    }
    stage.instructions.push({ keyword, flags, args, line });
  }
  return { stages };
}

export function stageByName(file: Dockerfile, name: string): Stage | undefined {
  return file.stages.find((s) => s.name === name);
}

/** The stage and the stages it is built on, nearest first. */
export function lineage(file: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  for (let parent = stageByName(file, stage.from); parent; parent = stageByName(file, parent.from)) {
    if (chain.includes(parent)) break;
    chain.push(parent);
  }
  return chain;
}

/** Every shell command the stage's RUN instructions execute, in order, with whitespace normalized. */
export function runCommands(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === "RUN")
    .flatMap((i) => i.args.split(/&&|;/))
    .map((c) => c.trim().replace(/\s+/g, " "))
    .filter(Boolean);
}

/** ENV values visible in a stage, its own overriding those of its parents. Handles `K=V K2=V2` and `K V`. */
export function stageEnv(file: Dockerfile, stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const s of lineage(file, stage).reverse()) {
    for (const i of s.instructions.filter((x) => x.keyword === "ENV")) {
      if (!i.args.includes("=")) {
        const [k, ...v] = i.args.split(/\s+/);
        env.set(k!, v.join(" "));
        continue;
      }
      for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env.set(m[1]!, m[2]!.replace(/^"|"$/g, ""));
    }
  }
  return env;
}

/** The exec-form argv of an instruction such as CMD or ENTRYPOINT; undefined for the shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
  if (!instruction) return undefined;
  try {
    const parsed: unknown = JSON.parse(instruction.args);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function lastInstruction(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/**
 * A .dockerignore matcher for plain patterns (`*`, `**`, `?`; `!` re-includes), enough to ask whether a build
 * input would be left out of the context.
 */
export function dockerIgnored(ignoreFile: string, path: string): boolean {
  let ignored = false;
  for (const raw of ignoreFile.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const negate = line.startsWith("!");
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, "");
    const regex = new RegExp(
      `^${pattern
        .split("**")
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
        )
        .join(".*")}(/.*)?$`,
    );
    if (regex.test(path)) ignored = !negate;
  }
  return ignored;
}
