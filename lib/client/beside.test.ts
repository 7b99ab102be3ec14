import { describe, expect, it } from "vitest";
import { placeBeside } from "./beside";

const viewport = { width: 1000, height: 800 };
const size = { width: 360, height: 200 };

describe("placeBeside", () => {
  it("goes below the target when it fits", () => {
    expect(placeBeside({ left: 100, top: 100, width: 200, height: 150 }, size, viewport)).toEqual({
      left: 100,
      top: 258,
    });
  });

  it("goes above when below is short of room", () => {
    expect(placeBeside({ left: 100, top: 500, width: 200, height: 150 }, size, viewport)).toEqual({
      left: 100,
      top: 292,
    });
  });

  it("goes over the target, inside the window, when neither fits, and never past the right edge", () => {
    const tall = { left: 900, top: 150, width: 100, height: 600 };
    expect(placeBeside(tall, size, viewport)).toEqual({ left: 632, top: 150 });
    const offTop = { left: 0, top: -400, width: 100, height: 300 };
    expect(placeBeside(offTop, size, viewport)).toEqual({ left: 8, top: 8 });
  });
});
