import type { ControlId } from "../model/finding.js";
import { BUILT_IN_POLICIES } from "./builtInPolicies.generated.js";
import { CONTROLS } from "./catalog.js";
import type { Control } from "./control.js";

export interface ComplianceMapping {
  /** The initiative's display name, e.g. `CIS Azure Foundations v3.0.0`. */
  readonly framework: string;
  /** The requirement within it, e.g. `3.3.5` or `PA-7`. */
  readonly requirement: string;
}

/** `/providers/Microsoft.Authorization/policyDefinitions/{guid}` for each built-in the control relates to. */
export function policyDefinitionIdsOf(control: Control): string[] {
  return control.builtInPolicies.map((guid) => `/providers/Microsoft.Authorization/policyDefinitions/${guid}`);
}

/**
 * The control's compliance mappings: the requirement groups its related built-ins sit in, in Microsoft's initiatives
 * (vendored data). A control with no built-in has none; a membership outside every group adds nothing.
 */
export function mappingsOf(control: Control): ComplianceMapping[] {
  const seen = new Set<string>();
  const mappings: ComplianceMapping[] = [];
  for (const guid of control.builtInPolicies) {
    for (const membership of BUILT_IN_POLICIES[guid]?.initiatives ?? []) {
      for (const requirement of membership.requirements) {
        const key = `${membership.framework}\u0000${requirement}`;
        if (seen.has(key)) continue;
        seen.add(key);
        mappings.push({ framework: membership.framework, requirement });
      }
    }
  }
  return mappings;
}

/** Every framework some control maps to, in a stable order. */
export function mappedFrameworks(): string[] {
  return [...new Set(CONTROLS.flatMap((control) => mappingsOf(control).map((mapping) => mapping.framework)))].sort();
}

/** A framework's requirements and the controls mapped to each, in catalog order; undefined for an unknown name. */
export function requirementsOf(framework: string): { readonly framework: string; readonly requirements: ReadonlyMap<string, readonly ControlId[]> } | undefined {
  const name = mappedFrameworks().find((candidate) => candidate.toLowerCase() === framework.trim().toLowerCase());
  if (name === undefined) return undefined;
  const requirements = new Map<string, ControlId[]>();
  for (const control of CONTROLS) {
    for (const mapping of mappingsOf(control)) {
      if (mapping.framework !== name) continue;
      const controls = requirements.get(mapping.requirement) ?? [];
      controls.push(control.id);
      requirements.set(mapping.requirement, controls);
    }
  }
  const ordered = [...requirements].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
  return { framework: name, requirements: new Map(ordered) };
}
