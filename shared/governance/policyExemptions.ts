/**
 * Azure Policy exemptions, resolved against the built-ins the catalog relates its controls to (the contract's
 * "Relation to Azure Policy built-ins"). Pure: the reader gathers exemptions, assignments and set definitions from
 * Resource Graph; this module decides which control of which resource each exemption waives.
 *
 * Field names are those of the ARM resources (`Microsoft.Authorization/policyExemptions`: `policyAssignmentId`,
 * `policyDefinitionReferenceIds`, `exemptionCategory`, `expiresOn`, `resourceSelectors`; `policyAssignments`:
 * `policyDefinitionId`, `notScopes`; `policySetDefinitions`: `policyDefinitions[].policyDefinitionId` and
 * `policyDefinitionReferenceId`).
 */
import { CONTROLS } from "../controls/catalog.js";
import { BUILT_IN_POLICIES } from "../controls/builtInPolicies.generated.js";
import type { ControlId, WaiverSource } from "../model/finding.js";
import type { ResourceKind } from "../model/resource.js";
import { segmentsOf, segmentsWithin } from "./scope.js";

export interface PolicyExemptionRecord {
  readonly id: string;
  readonly name: string;
  readonly displayName?: string;
  readonly policyAssignmentId: string;
  readonly policyDefinitionReferenceIds: readonly string[];
  readonly exemptionCategory: string;
  readonly expiresOn?: string;
  /** Exemptions narrowed by resource selectors are not honoured: vaultwatch does not evaluate selectors. */
  readonly hasResourceSelectors: boolean;
}

export interface PolicyAssignmentRecord {
  readonly id: string;
  readonly policyDefinitionId: string;
  readonly notScopes: readonly string[];
}

export interface PolicySetMember {
  readonly policyDefinitionId: string;
  readonly policyDefinitionReferenceId: string;
}

export interface PolicySetDefinitionRecord {
  readonly id: string;
  readonly policyDefinitions: readonly PolicySetMember[];
}

export interface PolicyRecords {
  readonly exemptions: readonly PolicyExemptionRecord[];
  readonly assignments: readonly PolicyAssignmentRecord[];
  readonly setDefinitions: readonly PolicySetDefinitionRecord[];
  /**
   * Each subscription's management groups (`managementGroupAncestorsChain` names, any case), keyed by subscription
   * id; needed only for exemptions scoped to a management group.
   */
  readonly subscriptionAncestors?: ReadonlyMap<string, readonly string[]>;
}

/** One exemption that waives some controls, with what it covers. */
export interface ResolvedExemption {
  readonly exemption: PolicyExemptionRecord;
  /** The exemption's scope: its id without the `/providers/Microsoft.Authorization/policyExemptions/{name}` tail. */
  readonly scope: string;
  readonly notScopes: readonly string[];
  /** `scope` and `notScopes` split into lower-cased segments once, for matching many resources. */
  readonly scopeSegments: readonly string[];
  /** Lower-cased management group name when the exemption is scoped to one (then `scopeSegments` is unused). */
  readonly managementGroup?: string;
  readonly notScopeSegments: readonly (readonly string[])[];
  readonly category: "Waiver" | "Mitigated";
  /** Which controls it waives, for which kinds (a built-in evaluates one resource type). */
  readonly controls: ReadonlyMap<ControlId, ReadonlySet<ResourceKind>>;
}

/** Built-in definition GUID (lower case) → the controls related to it and the kind the built-in evaluates. */
const CONTROLS_BY_BUILT_IN = new Map<string, { controlId: ControlId; kind: ResourceKind }[]>();
for (const control of CONTROLS) {
  for (const guid of control.builtInPolicies) {
    const builtIn = BUILT_IN_POLICIES[guid];
    // Checked by the catalog test; a built-in of another resource type could not waive a vault or HSM control.
    if (builtIn?.resourceKind === undefined) continue;
    const list = CONTROLS_BY_BUILT_IN.get(guid) ?? [];
    list.push({ controlId: control.id, kind: builtIn.resourceKind });
    CONTROLS_BY_BUILT_IN.set(guid, list);
  }
}

/** The GUID of a policy definition id, when it is a built-in (`/providers/Microsoft.Authorization/policyDefinitions/{guid}`). */
function builtInGuidOf(policyDefinitionId: string): string | undefined {
  const match = /^\/providers\/microsoft\.authorization\/policydefinitions\/([0-9a-f-]{36})$/i.exec(policyDefinitionId.trim());
  return match?.[1]?.toLowerCase();
}

const EXEMPTION_TAIL = /\/providers\/microsoft\.authorization\/policyexemptions\/[^/]+$/i;
const MANAGEMENT_GROUP_SCOPE = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)$/i;

/** The management group an exemption is scoped to, when it is (`/providers/Microsoft.Management/managementGroups/{name}`). */
export function managementGroupOfExemption(exemptionId: string): string | undefined {
  return MANAGEMENT_GROUP_SCOPE.exec(exemptionId.replace(EXEMPTION_TAIL, ""))?.[1];
}

export interface ExemptionResolution {
  readonly exemptions: readonly ResolvedExemption[];
  /** Lower-cased subscription id → lower-cased management groups above it. */
  readonly subscriptionAncestors: ReadonlyMap<string, ReadonlySet<string>>;
  /** Exemptions that relate to a catalog built-in but cannot be honoured, with why. */
  readonly warnings: readonly string[];
}

/**
 * Which exemptions waive which controls. An exemption counts when its assignment assigns a related built-in, or an
 * initiative that contains one (only the members named by `policyDefinitionReferenceIds`, when it names any).
 * Initiatives are looked up in the set definitions read, then in the vendored membership of Microsoft's initiatives.
 */
export function resolveExemptions(records: PolicyRecords): ExemptionResolution {
  const assignments = new Map(records.assignments.map((assignment) => [assignment.id.toLowerCase(), assignment]));
  const sets = new Map<string, readonly PolicySetMember[]>();
  for (const [id, members] of Object.entries(VENDORED_INITIATIVE_MEMBERS)) sets.set(id, members);
  for (const set of records.setDefinitions) sets.set(set.id.toLowerCase(), set.policyDefinitions);

  const resolved: ResolvedExemption[] = [];
  const warnings: string[] = [];
  for (const exemption of records.exemptions) {
    const assignment = assignments.get(exemption.policyAssignmentId.toLowerCase());
    if (assignment === undefined) continue;
    const members = membersOf(assignment.policyDefinitionId, sets);
    const wanted = new Set(exemption.policyDefinitionReferenceIds.map((id) => id.toLowerCase()));
    const controls = new Map<ControlId, Set<ResourceKind>>();
    for (const member of members) {
      if (wanted.size > 0 && !wanted.has(member.policyDefinitionReferenceId.toLowerCase())) continue;
      const guid = builtInGuidOf(member.policyDefinitionId);
      for (const related of (guid === undefined ? undefined : CONTROLS_BY_BUILT_IN.get(guid)) ?? []) {
        const kinds = controls.get(related.controlId) ?? new Set<ResourceKind>();
        kinds.add(related.kind);
        controls.set(related.controlId, kinds);
      }
    }
    if (controls.size === 0) continue;
    const scope = exemption.id.replace(EXEMPTION_TAIL, "");
    const managementGroup = managementGroupOfExemption(exemption.id)?.toLowerCase();
    const category = exemption.exemptionCategory.toLowerCase() === "mitigated" ? "Mitigated" : exemption.exemptionCategory.toLowerCase() === "waiver" ? "Waiver" : undefined;
    const problem =
      category === undefined
        ? `its category "${exemption.exemptionCategory}" is neither Waiver nor Mitigated`
        : exemption.hasResourceSelectors
          ? "it is narrowed by resource selectors, which vaultwatch does not evaluate"
          : managementGroup === undefined && !scope.toLowerCase().startsWith("/subscriptions/")
            ? `its scope ${scope} is neither a management group nor under a subscription`
            : managementGroup !== undefined && records.subscriptionAncestors === undefined
              ? "it is scoped to a management group and the subscriptions' management groups were not read"
              : exemption.expiresOn !== undefined && Number.isNaN(Date.parse(exemption.expiresOn))
              ? `its expiresOn "${exemption.expiresOn}" is not a date`
              : undefined;
    if (problem !== undefined || category === undefined) {
      warnings.push(`Azure Policy exemption ${exemption.id} is not honoured: ${problem ?? "its category is unreadable"}.`);
      continue;
    }
    resolved.push({
      exemption,
      scope,
      notScopes: assignment.notScopes,
      scopeSegments: segmentsOf(scope),
      ...(managementGroup === undefined ? {} : { managementGroup }),
      notScopeSegments: assignment.notScopes.map(segmentsOf),
      category,
      controls,
    });
  }
  const subscriptionAncestors = new Map<string, ReadonlySet<string>>();
  for (const [subscriptionId, groups] of records.subscriptionAncestors ?? []) {
    subscriptionAncestors.set(subscriptionId.toLowerCase(), new Set(groups.map((group) => group.toLowerCase())));
  }
  return { exemptions: resolved, subscriptionAncestors, warnings };
}

function membersOf(policyDefinitionId: string, sets: ReadonlyMap<string, readonly PolicySetMember[]>): readonly PolicySetMember[] {
  if (builtInGuidOf(policyDefinitionId) !== undefined) return [{ policyDefinitionId, policyDefinitionReferenceId: "" }];
  return sets.get(policyDefinitionId.trim().toLowerCase()) ?? [];
}

/** Microsoft's initiatives as the vendored data lists them, keyed by lower-cased set definition id. */
const VENDORED_INITIATIVE_MEMBERS: Readonly<Record<string, readonly PolicySetMember[]>> = (() => {
  const members: Record<string, PolicySetMember[]> = {};
  for (const [guid, builtIn] of Object.entries(BUILT_IN_POLICIES)) {
    for (const membership of builtIn.initiatives) {
      (members[membership.initiativeId.toLowerCase()] ??= []).push({
        policyDefinitionId: `/providers/Microsoft.Authorization/policyDefinitions/${guid}`,
        policyDefinitionReferenceId: membership.policyDefinitionReferenceId,
      });
    }
  }
  return members;
})();

/** The resolved exemptions, ready for the engine: which sources waive one control of one resource. */
export class PolicyExemptionIndex {
  static readonly EMPTY = new PolicyExemptionIndex([]);

  constructor(
    private readonly exemptions: readonly ResolvedExemption[],
    /** Lower-cased subscription id → lower-cased management groups above it, for management-group exemptions. */
    private readonly subscriptionAncestors: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
  ) {}

  static of(resolution: Pick<ExemptionResolution, "exemptions" | "subscriptionAncestors">): PolicyExemptionIndex {
    return new PolicyExemptionIndex(resolution.exemptions, resolution.subscriptionAncestors);
  }

  get size(): number {
    return this.exemptions.length;
  }

  /** The exemptions whose scope holds the resource and that waive something for its kind (once per resource). */
  covering(resource: { readonly id: string; readonly kind: ResourceKind }): CoveringExemptions {
    if (this.exemptions.length === 0) return CoveringExemptions.NONE;
    const segments = segmentsOf(resource.id);
    // A resource whose subscription's management groups are unknown is not covered by a group's exemption.
    const groups = this.subscriptionAncestors.get(segments[1] ?? "");
    return new CoveringExemptions(
      resource.kind,
      this.exemptions.filter(
        (resolved) =>
          (resolved.managementGroup === undefined ? segmentsWithin(segments, resolved.scopeSegments) : groups?.has(resolved.managementGroup) === true) &&
          !resolved.notScopeSegments.some((notScope) => segmentsWithin(segments, notScope)),
      ),
    );
  }

  sourcesFor(resource: { readonly id: string; readonly kind: ResourceKind }, controlId: ControlId, now: Date): WaiverSource[] {
    return this.covering(resource).sourcesFor(controlId, now);
  }
}

/** The exemptions that cover one resource. */
export class CoveringExemptions {
  static readonly NONE = new CoveringExemptions("vault", []);

  constructor(
    private readonly kind: ResourceKind,
    private readonly exemptions: readonly ResolvedExemption[],
  ) {}

  sourcesFor(controlId: ControlId, now: Date): WaiverSource[] {
    const sources: WaiverSource[] = [];
    for (const resolved of this.exemptions) {
      if (!resolved.controls.get(controlId)?.has(this.kind)) continue;
      const { exemption } = resolved;
      const expiresAt = exemption.expiresOn === undefined ? undefined : new Date(exemption.expiresOn).toISOString();
      sources.push({
        kind: "policyExemption",
        ...(expiresAt === undefined ? {} : { expires: expiresAt, expiresAt }),
        state: expiresAt === undefined || now.getTime() < Date.parse(expiresAt) ? "active" : "expired",
        category: resolved.category,
        name: exemption.name,
        ...(exemption.displayName === undefined ? {} : { displayName: exemption.displayName }),
        exemptionId: exemption.id,
        policyAssignmentId: exemption.policyAssignmentId,
      });
    }
    return sources;
  }
}
