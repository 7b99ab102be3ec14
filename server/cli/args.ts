/** Minimal `--flag value` / `--switch` parsing for the CLIs; unknown flags are errors, not silently ignored. */
export function parseArgs(argv: string[], spec: { values: string[]; switches: string[] }) {
  const values: Record<string, string> = {};
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (spec.switches.includes(name)) switches.add(name);
    else if (spec.values.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      values[name] = value;
    } else throw new Error(`unknown option --${name}`);
  }
  return { values, switches, positional };
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
