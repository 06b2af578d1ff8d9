/**
 * Derives, from the vendored Azure Policy data (data/azure-policy/), what vaultwatch needs to know about each built-in
 * definition: the resource type it evaluates (from its policy rule), and the Microsoft initiatives that include it
 * with the requirement groups it sits in. `npm run generate` writes the result to builtInPolicies.generated.ts; a
 * test re-derives it and fails when the committed file is stale. Nothing here is typed by hand.
 */
import type { ResourceKind } from "../model/resource.js";

export interface InitiativeMembership {
  readonly initiativeId: string;
  /** The initiative's display name: the framework name users pass to `--framework`. */
  readonly framework: string;
  readonly policyDefinitionReferenceId: string;
  /** Requirement ids, e.g. `3.3.5` or `PA-7`: the group names with the initiative's prefix removed. */
  readonly requirements: readonly string[];
}

export interface BuiltInPolicy {
  readonly displayName: string;
  /** The resource type the rule evaluates, as the rule spells it. */
  readonly resourceType: string;
  /** Present when that type is a vault or a Managed HSM. */
  readonly resourceKind?: ResourceKind;
  readonly initiatives: readonly InitiativeMembership[];
}

interface RawInitiativeGroups {
  readonly sourceRepository: string;
  readonly sourceCommit: string;
  readonly initiatives: readonly { readonly id: string; readonly displayName: string }[];
  readonly definitions: readonly {
    readonly policyDefinitionId: string;
    readonly file: string;
    readonly displayName: string;
    readonly initiatives: readonly { readonly initiative: string; readonly policyDefinitionReferenceId: string; readonly groupNames: readonly string[] }[];
  }[];
}

interface RawDefinition {
  readonly name: string;
  readonly properties: { readonly displayName: string; readonly policyRule: { readonly if: unknown } };
}

/**
 * A group name is `<initiative prefix>_<requirement>` (`CIS_Azure_Foundations_v3.0.0_3.3.5`,
 * `Azure_Security_Benchmark_v3.0_PA-7`, `NIST_SP_800-53_R5_AU-6(4)`): requirement ids never hold an underscore.
 */
export function requirementOf(groupName: string): string {
  const at = groupName.lastIndexOf("_");
  return at < 0 ? groupName : groupName.slice(at + 1);
}

/** The `type` a rule tests at its top level (`{ field: "type", equals: … }`, alone or inside the top `allOf`). */
export function ruleResourceType(condition: unknown): string | undefined {
  const isTypeTest = (node: unknown): node is { equals: string } =>
    typeof node === "object" && node !== null && (node as { field?: unknown }).field === "type" && typeof (node as { equals?: unknown }).equals === "string";
  if (isTypeTest(condition)) return condition.equals;
  const allOf = typeof condition === "object" && condition !== null ? (condition as { allOf?: unknown }).allOf : undefined;
  return Array.isArray(allOf) ? allOf.find(isTypeTest)?.equals : undefined;
}

function kindOf(resourceType: string): ResourceKind | undefined {
  const type = resourceType.toLowerCase();
  return type === "microsoft.keyvault/vaults" ? "vault" : type === "microsoft.keyvault/managedhsms" ? "managedHsm" : undefined;
}

/** `readDefinition(file)` returns the parsed definition file named in initiative-groups.json. */
export function deriveBuiltInPolicies(groups: RawInitiativeGroups, readDefinition: (file: string) => RawDefinition): Record<string, BuiltInPolicy> {
  const initiativeIds = new Map(groups.initiatives.map((initiative) => [initiative.displayName, initiative.id]));
  const table: Record<string, BuiltInPolicy> = {};
  for (const definition of groups.definitions) {
    const guid = definition.policyDefinitionId.split("/").pop()?.toLowerCase() ?? "";
    const raw = readDefinition(definition.file);
    if (raw.name.toLowerCase() !== guid) throw new Error(`${definition.file} holds definition ${raw.name}, not ${guid}.`);
    const resourceType = ruleResourceType(raw.properties.policyRule.if);
    if (resourceType === undefined) throw new Error(`${definition.file}: its rule tests no resource type at its top level.`);
    const kind = kindOf(resourceType);
    table[guid] = {
      displayName: raw.properties.displayName,
      resourceType,
      ...(kind === undefined ? {} : { resourceKind: kind }),
      initiatives: definition.initiatives.map((membership) => {
        const initiativeId = initiativeIds.get(membership.initiative);
        if (initiativeId === undefined) throw new Error(`${definition.file}: initiative "${membership.initiative}" is not listed.`);
        return {
          initiativeId,
          framework: membership.initiative,
          policyDefinitionReferenceId: membership.policyDefinitionReferenceId,
          requirements: membership.groupNames.map(requirementOf),
        };
      }),
    };
  }
  return table;
}

/** The TypeScript module `npm run generate` writes from the derivation. */
export function builtInPoliciesModule(table: Record<string, BuiltInPolicy>, source: { repository: string; commit: string }): string {
  return [
    "// Generated by `npm run generate` from data/azure-policy/ (do not edit; a test checks it is fresh).",
    `// Source: ${source.repository} at commit ${source.commit}.`,
    'import type { BuiltInPolicy } from "./builtInPolicyData.js";',
    "",
    `export const BUILT_IN_POLICIES: Readonly<Record<string, BuiltInPolicy>> = ${JSON.stringify(table, null, 2)};`,
    "",
  ].join("\n");
}

export type { RawInitiativeGroups, RawDefinition };
