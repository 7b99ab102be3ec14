import { spawn } from "node:child_process";

export const TSX = "node_modules/.bin/tsx";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command-line tool as a user would (`tsx server/cli/….ts ARGS`, or another `command`), with only PATH,
 * NODE_ENV=test and `env` in its environment and `stdin` on its standard input; resolves when it exits.
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  stdin = "",
  command = TSX,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "test", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
