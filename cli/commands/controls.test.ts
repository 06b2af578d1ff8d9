import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTROLS } from "../../shared/controls/catalog.js";
import { GENERATED_END, GENERATED_START, controlModuleName, renderControlsDocument, withGeneratedPart } from "./controlsDocument.js";

describe("the controls documentation (docs/controls.md)", () => {
  const doc = readFileSync(new URL("../../docs/controls.md", import.meta.url), "utf8");

  it("carries the catalog and how to add a control exactly as the control modules generate them", () => {
    expect(doc, "docs/controls.md has lost its generated markers").toContain(GENERATED_START);
    expect(doc, "docs/controls.md is stale: regenerate it with `npm run generate`").toBe(withGeneratedPart(doc, renderControlsDocument()));
  });

  it("names each control's module and test, and explains adding one: module, id, catalog line, test, contract text", () => {
    const generated = doc.slice(doc.indexOf(GENERATED_START), doc.indexOf(GENERATED_END));
    for (const control of CONTROLS) expect(generated).toContain(`[${controlModuleName(control)}.ts](../shared/controls/${controlModuleName(control)}.ts)`);
    expect(generated).toMatch(/## Adding a control[\s\S]*\*\*Module\*\*[\s\S]*\*\*Catalog line\*\*[\s\S]*\*\*Test\*\*[\s\S]*\*\*Contract text\*\*/);
  });

  it("refuses a control whose module is not named after its id", () => {
    expect(() => controlModuleName(CONTROLS[0]!, ["public-access.ts"])).toThrow(/No module named net-001-….ts/);
  });
});
