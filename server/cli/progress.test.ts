import { describe, expect, it } from "vitest";
import { progressReporter } from "./progress";

function sink(isTTY: boolean) {
  const out = { isTTY, text: "", write: (s: string) => ((out.text += s), true) };
  return out;
}

describe("the import's progress", () => {
  it("draws a bar in place on a terminal", () => {
    const out = sink(true);
    const progress = progressReporter(out, "import");
    progress.start(4);
    progress.step("users");
    progress.step("board big");
    expect(out.text.split("\r").at(-1)).toMatch(/^import \[#{15}-{15}\] 2\/4 board big/);
    progress.step("a");
    progress.step("b");
    progress.done();
    expect(out.text.split("\r").at(-1)).toMatch(/^import \[#{30}\] 4\/4 b\s*\n$/);
    expect(out.text).not.toContain("\n" + "import");
  });

  it("writes a line every N steps and one at the end elsewhere", () => {
    const out = sink(false);
    const progress = progressReporter(out, "import", 2);
    progress.start(5);
    for (const what of ["users", "tokens", "board a", "board b", "board c"]) progress.step(what);
    progress.done();
    expect(out.text).toBe("import: 2/5 (tokens)\nimport: 4/5 (board b)\nimport: 5/5 done\n");
    expect(out.text).not.toContain("\r");
  });
});
