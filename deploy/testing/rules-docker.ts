import {
  dockerIgnored,
  execForm,
  lastInstruction,
  lineage,
  parseDockerfile,
  runCommands,
  stageByName,
  stageEnv,
  type Dockerfile,
  type Stage,
} from "./dockerfile";
import type { Repo } from "./repo";

const tokens = (command: string) => command.trim().split(/\s+/);
const sameCommand = (a: string, b: string) => tokens(a).sort().join(" ") === tokens(b).sort().join(" ");

/** The `npm ci` line CI runs (.ci/run), whitespace normalized. */
export function ciInstallCommand(repo: Repo): string | undefined {
  const line = repo.ciRun.split("\n").find((l) => /^\s*npm ci\b/.test(l));
  return line?.trim().replace(/\s+/g, " ");
}

/** The image's runtime facts other rules need: its user, working directory and entrypoint. */
export interface ImageFacts {
  uid?: number;
  workdir?: string;
  entrypoint?: string[];
  cmd?: string[];
}

export function imageFacts(repo: Repo): ImageFacts {
  const file = parseDockerfile(repo.dockerfile);
  const runtime = file.stages.at(-1);
  if (!runtime) return {};
  const chain = lineage(file, runtime);
  const find = (keyword: string) => chain.map((s) => lastInstruction(s, keyword)).find(Boolean);
  const user = find("USER")?.args.split(":")[0];
  return {
    uid: user && /^\d+$/.test(user) ? Number(user) : undefined,
    workdir: find("WORKDIR")?.args,
    entrypoint: execForm(find("ENTRYPOINT")),
    cmd: execForm(find("CMD")),
  };
}

/** Sources copied into a stage from another stage, relative to the working directory. */
function copiedFrom(stage: Stage, from: string | undefined, workdir: string): string[] {
  return stage.instructions
    .filter((i) => i.keyword === "COPY" && i.flags.includes(`--from=${from}`))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
    .map((src) => src.replace(new RegExp(`^${workdir}/`), "").replace(/^\.\//, ""));
}

/** The build stage: the one that runs CI's `npm ci` and then `npm run build`. */
function buildStage(file: Dockerfile, ci: string): Stage | undefined {
  return file.stages.find((s) => {
    const cmds = runCommands(s);
    const install = cmds.findIndex((c) => c === ci);
    return install >= 0 && cmds.indexOf("npm run build") > install;
  });
}

export function dockerfileProblems(repo: Repo): string[] {
  const problems: string[] = [];
  const file = parseDockerfile(repo.dockerfile);
  const runtime = file.stages.at(-1);
  const ci = ciInstallCommand(repo);
  if (!runtime || file.stages.length < 2) return ["the Dockerfile must be multi-stage"];
  if (!ci) return [".ci/run no longer runs `npm ci`; update the Dockerfile rules"];
  if (!/\bnpm run build\b/.test(repo.packageJson.scripts.test ?? "")) {
    problems.push(
      "CI (`npm test`) no longer runs `npm run build`; the Dockerfile's build step must follow CI",
    );
  }

  const build = buildStage(file, ci);
  if (!build) problems.push(`no stage runs CI's \`${ci}\` followed by \`npm run build\``);
  else if (!runCommands(build).some((c) => /^rm -rf \.next\/cache$/.test(c))) {
    problems.push("the build stage must drop .next/cache (build cache, not needed at runtime)");
  }

  const chain = lineage(file, runtime);
  const runtimeCmds = chain.flatMap(runCommands);
  if (runtimeCmds.some((c) => /\bnpm run build\b/.test(c)))
    problems.push("the runtime stage must never build");
  if (runtimeCmds.some((c) => c.startsWith("npm ci") && !c.includes("--omit=dev"))) {
    problems.push("the runtime stage must not install dev dependencies");
  }
  const workdir = imageFacts(repo).workdir ?? "/app";
  const depsFrom = runtime.instructions.find(
    (i) =>
      i.keyword === "COPY" && /node_modules/.test(i.args) && i.flags.some((f) => f.startsWith("--from=")),
  );
  const depsStage =
    depsFrom && stageByName(file, depsFrom.flags.find((f) => f.startsWith("--from="))!.slice(7));
  if (!depsStage || !runCommands(depsStage).some((c) => sameCommand(c, `${ci} --omit=dev`))) {
    problems.push(`node_modules must come from a stage that runs \`${ci} --omit=dev\``);
  }

  // The image runs a supported LTS line (even major, 22 or later: Node 20's support ended in April 2026) that is no
  // older than the Node the build machines run (.nvmrc), which the code keeps supporting.
  const buildMachineMajor = Number(repo.nvmrc.replace(/^v/, "").split(".")[0]);
  for (const stage of file.stages) {
    const m = /^node:(\d+)/.exec(stage.from);
    if (!m) continue;
    const major = Number(m[1]);
    if (major % 2 !== 0) problems.push(`FROM ${stage.from} is not an LTS line of Node`);
    if (major < 22) problems.push(`FROM ${stage.from} runs a Node whose support has ended`);
    if (major < buildMachineMajor) problems.push(`FROM ${stage.from} is older than .nvmrc (${repo.nvmrc})`);
  }
  if (!file.stages.some((s) => s.from.startsWith("node:")))
    problems.push("no stage starts from a node image");

  const env = stageEnv(file, runtime);
  if (env.get("NODE_ENV") !== "production") problems.push("the runtime stage must set NODE_ENV=production");
  if (env.get("NEXT_TELEMETRY_DISABLED") !== "1")
    problems.push("the runtime stage must set NEXT_TELEMETRY_DISABLED=1");

  const facts = imageFacts(repo);
  if (facts.uid === undefined || facts.uid === 0) {
    problems.push(
      "the runtime stage must switch to a numeric non-root USER (runAsNonRoot needs a numeric uid)",
    );
  }
  if (!facts.entrypoint?.[0]?.endsWith("tini") || !facts.entrypoint.includes("-g")) {
    problems.push("ENTRYPOINT must be tini -g (npm does not pass SIGTERM to the worker script)");
  }
  const serverEntry = /(\w+):\s*"server\/index\.ts"/.exec(repo.buildServerScript)?.[1];
  const script = facts.cmd?.slice(1).find((a) => !a.startsWith("-"));
  if (facts.cmd?.[0] !== "node")
    problems.push("CMD must run node directly (exec form), so SIGTERM reaches it");
  else if (script !== `dist/${serverEntry}.js`) {
    problems.push(`CMD must run the server bundle dist/${serverEntry}.js, runs ${script}`);
  }

  // scripts/start.mjs builds when these are missing; the image must contain them so it never builds.
  const required = [...repo.startScript.matchAll(/existsSync\(\s*[`"']([^`"']+)[`"']\s*\)/g)].map(
    (m) => m[1]!.replace("${distDir}", ".next").split("/")[0]!,
  );
  if (required.length === 0)
    problems.push("scripts/start.mjs no longer checks for a build; review the rules");
  if (build) {
    const copied = copiedFrom(runtime, build.name, workdir);
    for (const path of [...required, "public", "next.config.js", "package.json"]) {
      if (!copied.includes(path)) problems.push(`the runtime stage must copy ${path} from the build stage`);
    }
  }
  if (!repo.nextConfigExists) problems.push("next.config.js is gone: the runtime copies it (and drops SWC)");
  if (!runtimeCmds.some((c) => /chown\b.*\.next\/cache/.test(c))) {
    problems.push("the runtime stage must make .next/cache writable for the app user");
  }
  if (!/\/api\/live/.test(lastInstruction(runtime, "HEALTHCHECK")?.args ?? "")) {
    problems.push("HEALTHCHECK must probe /api/live (liveness, never Redis-dependent)");
  }
  return problems;
}

const BUILD_INPUTS = [
  "package.json",
  "package-lock.json",
  "next.config.js",
  "postcss.config.mjs",
  "tsconfig.json",
  "proxy.ts",
  "app/layout.tsx",
  "components/realtime/SocketProvider.tsx",
  "lib/protocol/events.ts",
  "server/index.ts",
  "scripts/build-server.mjs",
  "scripts/start.mjs",
  "public/robots.txt",
  "types/next-auth.d.ts",
];
const MUST_IGNORE = ["node_modules", ".next", "dist", ".data", ".env", ".env.local", ".git"];

export function dockerignoreProblems(repo: Repo): string[] {
  return [
    ...BUILD_INPUTS.filter((p) => dockerIgnored(repo.dockerignore, p)).map(
      (p) => `.dockerignore leaves out ${p}, which the build needs`,
    ),
    ...MUST_IGNORE.filter((p) => !dockerIgnored(repo.dockerignore, p)).map(
      (p) => `.dockerignore must leave out ${p}`,
    ),
  ];
}
