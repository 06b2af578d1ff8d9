import { PassThrough } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { demoEstateEvaluations, renderToString } from "../../test/support/reports.js";
import { tableFormat } from "./tableFormat.js";
import { painter, wantsColour } from "./terminalColour.js";

/** A stream that says it is a colour terminal, as a tty.WriteStream on a real terminal would. */
function terminal(): PassThrough {
  return Object.assign(new PassThrough(), { isTTY: true, hasColors: () => true });
}

const ESCAPE = "\u001b[";

describe("colour on a terminal", () => {
  it("colours a terminal, and never a pipe or a file", () => {
    expect(wantsColour(terminal(), {})).toBe(true);
    expect(wantsColour(new PassThrough(), {})).toBe(false);
    expect(wantsColour(undefined, {})).toBe(false);
  });

  it("honours NO_COLOR on a terminal, and FORCE_COLOR even on a pipe (FORCE_COLOR=0 turns colour off)", () => {
    expect(wantsColour(terminal(), { NO_COLOR: "1" })).toBe(false);
    expect(wantsColour(terminal(), { NO_COLOR: "" })).toBe(true);
    expect(wantsColour(new PassThrough(), { FORCE_COLOR: "1" })).toBe(true);
    expect(wantsColour(terminal(), { FORCE_COLOR: "0" })).toBe(false);
    expect(wantsColour(new PassThrough(), { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
  });

  it("paints through util.styleText only when colour is on", () => {
    expect(painter(true)("red", "x")).toBe(`${ESCAPE}31mx${ESCAPE}39m`);
    expect(painter(false)("red", "x")).toBe("x");
  });

  it("gives the table escapes with colour and none without", async () => {
    const evaluations = demoEstateEvaluations().slice(0, 20);
    const [coloured, plain] = await Promise.all([
      renderToString(tableFormat({ colour: true }), evaluations),
      renderToString(tableFormat({ colour: false }), evaluations),
    ]);
    expect(coloured).toContain(ESCAPE);
    expect(plain).not.toContain(ESCAPE);
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });
});
