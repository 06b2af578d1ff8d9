import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderCatalog } from "./controls.js";

describe("the controls documentation", () => {
  it("carries the catalog table exactly as the control modules generate it", () => {
    const doc = readFileSync(new URL("../../docs/controls.md", import.meta.url), "utf8");
    const generated = /<!-- generated:controls:start -->\n([\s\S]*?)<!-- generated:controls:end -->/.exec(doc)?.[1];
    expect(generated, "docs/controls.md has lost its generated markers").toBeDefined();
    expect(generated, "docs/controls.md is stale: regenerate it with `npx vaultwatch controls --format markdown`").toBe(
      renderCatalog("markdown"),
    );
  });
});
