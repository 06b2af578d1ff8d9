/**
 * The generated part of docs/controls.md: the catalog with each control's module, test and Microsoft guidance, and how
 * to add a control, naming the files as they are. `npm run generate` writes it; a test fails when the file is stale.
 */
import { readdirSync } from "node:fs";
import { CONTROLS } from "../../shared/controls/catalog.js";
import type { Control } from "../../shared/controls/control.js";
import { renderCatalog } from "./controls.js";

export const CONTROLS_DOCUMENT = "docs/controls.md";
export const GENERATED_START = "<!-- generated:controls:start -->\n";
export const GENERATED_END = "<!-- generated:controls:end -->";

// From cli/commands/ (sources) and dist/cli/commands/ (built) alike, the control modules sit in ../../shared/controls/.
const CONTROLS_FOLDER = new URL("../../shared/controls/", import.meta.url);

/** `net-001-public-network-access` for VW-NET-001: one module per control, named after its id. */
export function controlModuleName(control: Control, folderEntries: readonly string[] = readdirSync(CONTROLS_FOLDER)): string {
  const prefix = `${control.id.slice("VW-".length).toLowerCase()}-`;
  const module = folderEntries.find((entry) => entry.startsWith(prefix) && /\.(ts|js)$/.test(entry) && !/\.test\.(ts|js)$|\.d\.ts$/.test(entry));
  if (module === undefined) throw new Error(`No module named ${prefix}….ts in shared/controls for ${control.id}: one control, one module, named after its id.`);
  return module.replace(/\.(ts|js)$/, "");
}

export function renderControlsDocument(): string {
  const entries = readdirSync(CONTROLS_FOLDER);
  // The catalog as `vaultwatch controls --format markdown` prints it, with each control's module and guidance added.
  const [header = "", separator = "", ...catalogRows] = renderCatalog("markdown").trimEnd().split("\n");
  const rows = CONTROLS.map((control, index) => {
    const module = controlModuleName(control, entries);
    return `${catalogRows[index] ?? ""} [${module}.ts](../shared/controls/${module}.ts), [test](../shared/controls/${module}.test.ts) | [Microsoft Learn](${control.guidance}) |`;
  });
  const example = controlModuleName(CONTROLS[0]!, entries);
  return `${header} Module | Guidance |
${separator}---|---|
${rows.join("\n")}

## Adding a control

A control is one module, one line in the catalog, one test and one paragraph of contract; everything else (findings,
SARIF rules, reports, Log Analytics rows, this table) follows from the catalog. Take [${example}.ts](../shared/controls/${example}.ts)
as the model.

1. **Module**: \`shared/controls/<area>-<nnn>-<what-it-checks>.ts\`, named after the id (\`VW-NET-008\` is \`net-008-….ts\`),
   exporting one \`Control\` ([control.ts](../shared/controls/control.ts)): \`id\`, \`title\` (what a passing resource looks like),
   \`severity\`, \`appliesTo\`, \`rationale\`, \`guidance\` (the Microsoft Learn page it follows), \`builtInPolicies\` (the
   Azure Policy built-ins it relates to, from which its compliance mappings are derived), \`evaluate\` and \`remediation\`
   (a note and shell-quoted commands).
   Read properties through \`whenReadable\`, so a property that could not be read makes the control \`Unknown\`, never \`Pass\`;
   a reason says what is wrong in words, with the values seen as evidence.
2. **Id**: add it to the \`ControlId\` union in [finding.ts](../shared/model/finding.ts), so every switch over controls is checked.
3. **Catalog line**: one entry in \`CONTROLS\` in [catalog.ts](../shared/controls/catalog.ts), where it belongs in the order of this table.
4. **Test**: \`shared/controls/<module>.test.ts\` beside the module, a \`describe\` named after the id and title, with passing,
   failing, not-applicable and unknown cases built from Microsoft's example payloads (\`test/fixtures/reference/\`) and in
   every input shape (\`inEveryShape\` in [resources.ts](../test/fixtures/resources.ts)).
5. **Contract text**: a bullet under "How each status is decided" below saying exactly when the control passes, fails, does not
   apply and is unknown, and, if an Azure Policy built-in covers the same ground, how vaultwatch differs.
6. **Regenerate**: \`npm run generate\` rewrites this generated part; \`npm test\` fails until it is current.
`;
}

/** The document with its generated part replaced by `generated`. */
export function withGeneratedPart(document: string, generated: string): string {
  const start = document.indexOf(GENERATED_START);
  const end = document.indexOf(GENERATED_END);
  if (start < 0 || end < start) throw new Error(`${CONTROLS_DOCUMENT} has lost its ${GENERATED_START.trim()} … ${GENERATED_END} markers.`);
  return document.slice(0, start + GENERATED_START.length) + generated + document.slice(end);
}
