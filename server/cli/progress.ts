import type { ImportProgress } from "../db/import-files";

const BAR_WIDTH = 30;

/**
 * How far an import is, on `out`: on a terminal a bar redrawn in place; otherwise (a log, a pipe) one line every
 * `every` steps and at the end, so that a long import shows it is alive without flooding the log.
 */
export function progressReporter(
  out: Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean },
  label: string,
  every = 25,
): ImportProgress {
  let total = 0;
  let done = 0;
  const counted = () => `${done}/${total}`;
  return {
    start(n) {
      total = n;
      done = 0;
    },
    step(what) {
      done = Math.min(total, done + 1);
      if (out.isTTY) {
        const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
        const bar = "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled);
        out.write(`\r${label} [${bar}] ${counted()} ${what.slice(0, 40).padEnd(40)}`);
      } else if (done % every === 0 && done < total) {
        out.write(`${label}: ${counted()} (${what})\n`);
      }
    },
    done() {
      out.write(out.isTTY ? "\n" : `${label}: ${counted()} done\n`);
    },
  };
}
