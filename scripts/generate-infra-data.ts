/**
 * `npm run generate`: writes the data files infra loads (infra/generated/*.json) from the code's row schema, and the
 * generated part of docs/controls.md from the control modules. A test fails when the committed files differ from what
 * this produces.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONTROLS_DOCUMENT, renderControlsDocument, withGeneratedPart } from "../cli/commands/controlsDocument.js";
import { generatedGovernanceFiles } from "../shared/governance/generatedFiles.js";
import { generatedInfraFiles } from "../shared/sink/infraData.js";

/** The repository root: the nearest folder up from this file whose package.json is vaultwatch's (works from dist/ too). */
function repositoryRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as { name?: string };
      if (manifest.name === "vaultwatch") return folder;
    } catch {
      // keep walking up
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error("Cannot find the vaultwatch repository root above this script.");
    folder = parent;
  }
}

const root = repositoryRoot();
for (const file of [...generatedInfraFiles(), ...generatedGovernanceFiles(root)]) {
  const target = join(root, file.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.content);
  console.log(`wrote ${file.path}`);
}

const controlsDocument = join(root, CONTROLS_DOCUMENT);
writeFileSync(controlsDocument, withGeneratedPart(readFileSync(controlsDocument, "utf8"), renderControlsDocument()));
console.log(`wrote ${CONTROLS_DOCUMENT} (generated part)`);
