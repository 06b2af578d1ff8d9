import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type RawDefinition, type RawInitiativeGroups, builtInPoliciesModule, deriveBuiltInPolicies } from "../controls/builtInPolicyData.js";
import type { GeneratedFile } from "../sink/infraData.js";
import { CONFIG_SCHEMA_FILE, governanceJsonSchema } from "./governanceConfig.js";
import { WORKBOOK_FILE, withComplianceSection } from "./workbookCompliance.js";

export const AZURE_POLICY_DATA_DIR = "data/azure-policy";
export const BUILT_IN_POLICIES_FILE = "shared/controls/builtInPolicies.generated.ts";

/**
 * The governance files `npm run generate` writes: the built-in policy table derived from the vendored Azure Policy
 * data, the configuration file's JSON Schema derived from its zod schema, and the workbook's compliance section.
 */
export function generatedGovernanceFiles(root: string): GeneratedFile[] {
  const readJson = (path: string): unknown => JSON.parse(readFileSync(join(root, AZURE_POLICY_DATA_DIR, path), "utf8"));
  const groups = readJson("initiative-groups.json") as RawInitiativeGroups;
  const table = deriveBuiltInPolicies(groups, (file) => readJson(file) as RawDefinition);
  return [
    { path: BUILT_IN_POLICIES_FILE, content: builtInPoliciesModule(table, { repository: groups.sourceRepository, commit: groups.sourceCommit }) },
    { path: CONFIG_SCHEMA_FILE, content: `${JSON.stringify(governanceJsonSchema(), null, 2)}\n` },
    { path: WORKBOOK_FILE, content: withComplianceSection(readFileSync(join(root, WORKBOOK_FILE), "utf8")) },
  ];
}
