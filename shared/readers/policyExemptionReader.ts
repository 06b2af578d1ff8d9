import { CONTROLS } from "../controls/catalog.js";
import {
  type PolicyAssignmentRecord,
  type PolicyExemptionRecord,
  type PolicyRecords,
  type PolicySetDefinitionRecord,
  PolicyExemptionIndex,
  managementGroupOfExemption,
  resolveExemptions,
} from "../governance/policyExemptions.js";
import { isRecord } from "../normalise/readValues.js";
import type { ReadOptions, ResourceGraphReader, ResourceGraphScope } from "./resourceGraphReader.js";

/**
 * Azure Policy exemptions are extension resources on a management group, subscription, resource group or resource:
 * querying the monitored subscriptions at and above their scope finds every one that can cover their vaults and
 * HSMs. Field names are the ARM ones (Microsoft.Authorization/policyExemptions properties).
 */
export const EXEMPTIONS_QUERY = `policyresources
| where type =~ 'microsoft.authorization/policyexemptions'
| project id, name,
    policyAssignmentId = properties.policyAssignmentId,
    policyDefinitionReferenceIds = properties.policyDefinitionReferenceIds,
    exemptionCategory = properties.exemptionCategory,
    expiresOn = properties.expiresOn,
    displayName = properties.displayName,
    resourceSelectors = properties.resourceSelectors
| order by id asc`;

/** Assignments, read at and above the subscriptions (an exemption often refers to a management group's assignment). */
export const ASSIGNMENTS_QUERY = `policyresources
| where type =~ 'microsoft.authorization/policyassignments'
| project id, policyDefinitionId = properties.policyDefinitionId, notScopes = properties.notScopes
| order by id asc`;

const RELATED_BUILT_INS = [...new Set(CONTROLS.flatMap((control) => control.builtInPolicies))];

/** Only the initiatives (built-in or custom) that contain a built-in some control relates to. */
export const SET_DEFINITIONS_QUERY = `policyresources
| where type =~ 'microsoft.authorization/policysetdefinitions'
| where tostring(properties.policyDefinitions) has_any (${RELATED_BUILT_INS.map((guid) => `'${guid}'`).join(", ")})
| project id, policyDefinitions = properties.policyDefinitions
| order by id asc`;

/** Each subscription's management groups, nearest first: read only when an exemption is scoped to a management group. */
export const SUBSCRIPTION_ANCESTORS_QUERY = `resourcecontainers
| where type =~ 'microsoft.resources/subscriptions'
| project id, subscriptionId, managementGroupAncestorsChain = properties.managementGroupAncestorsChain
| order by id asc`;

export interface PolicyExemptionRead {
  readonly index: PolicyExemptionIndex;
  /** Exemptions that relate to a control but cannot be honoured, and rows that could not be read. */
  readonly warnings: readonly string[];
}

/** Reads exemptions, the assignments they refer to and the initiatives involved, through Resource Graph. */
export class PolicyExemptionReader {
  constructor(private readonly resourceGraph: Pick<ResourceGraphReader, "queryPages">) {}

  async read(scope: ResourceGraphScope, options: ReadOptions = {}): Promise<PolicyExemptionRead> {
    const warnings: string[] = [];
    const rows = async (query: string, above: boolean): Promise<Record<string, unknown>[]> => {
      const collected: Record<string, unknown>[] = [];
      for await (const page of this.resourceGraph.queryPages(query, scope, { ...options, ...(above ? { authorizationScopeFilter: "AtScopeAboveAndBelow" as const } : {}) })) {
        for (const row of page.resources) if (isRecord(row)) collected.push(row);
      }
      return collected;
    };
    // At and above the subscriptions: an exemption may sit on a management group above them.
    const exemptions = (await rows(EXEMPTIONS_QUERY, true)).flatMap((row) => exemptionOf(row, warnings));
    if (exemptions.length === 0) return { index: PolicyExemptionIndex.EMPTY, warnings };
    const byGroup = exemptions.some((exemption) => managementGroupOfExemption(exemption.id) !== undefined);
    const [assignmentRows, setRows, ancestorRows] = await Promise.all([
      rows(ASSIGNMENTS_QUERY, true),
      rows(SET_DEFINITIONS_QUERY, true),
      byGroup ? rows(SUBSCRIPTION_ANCESTORS_QUERY, false) : Promise.resolve(undefined),
    ]);
    const records: PolicyRecords = {
      exemptions,
      assignments: assignmentRows.flatMap(assignmentOf),
      setDefinitions: setRows.flatMap(setDefinitionOf),
      ...(ancestorRows === undefined ? {} : { subscriptionAncestors: new Map(ancestorRows.flatMap(ancestorsOf)) }),
    };
    const resolution = resolveExemptions(records);
    return { index: PolicyExemptionIndex.of(resolution), warnings: [...warnings, ...resolution.warnings] };
  }
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined);
const texts = (value: unknown): string[] => (Array.isArray(value) ? value.flatMap((item) => text(item) ?? []) : []);

function exemptionOf(row: Record<string, unknown>, warnings: string[]): PolicyExemptionRecord[] {
  const id = text(row["id"]);
  const policyAssignmentId = text(row["policyAssignmentId"]);
  const exemptionCategory = text(row["exemptionCategory"]);
  if (id === undefined || policyAssignmentId === undefined || exemptionCategory === undefined) {
    warnings.push(`Resource Graph returned a policy exemption without an id, assignment or category (${String(row["id"]).slice(0, 200)}); it is not honoured.`);
    return [];
  }
  const expiresOn = text(row["expiresOn"]);
  const displayName = text(row["displayName"]);
  const selectors = row["resourceSelectors"];
  return [
    {
      id,
      name: text(row["name"]) ?? id.split("/").pop() ?? id,
      ...(displayName === undefined ? {} : { displayName }),
      policyAssignmentId,
      policyDefinitionReferenceIds: texts(row["policyDefinitionReferenceIds"]),
      exemptionCategory,
      ...(expiresOn === undefined ? {} : { expiresOn }),
      hasResourceSelectors: Array.isArray(selectors) && selectors.length > 0,
    },
  ];
}

function ancestorsOf(row: Record<string, unknown>): [string, string[]][] {
  const subscriptionId = text(row["subscriptionId"]);
  const chain = Array.isArray(row["managementGroupAncestorsChain"]) ? row["managementGroupAncestorsChain"] : [];
  return subscriptionId === undefined ? [] : [[subscriptionId, chain.flatMap((group) => (isRecord(group) ? (text(group["name"]) ?? []) : []))]];
}

function assignmentOf(row: Record<string, unknown>): PolicyAssignmentRecord[] {
  const id = text(row["id"]);
  const policyDefinitionId = text(row["policyDefinitionId"]);
  return id === undefined || policyDefinitionId === undefined ? [] : [{ id, policyDefinitionId, notScopes: texts(row["notScopes"]) }];
}

function setDefinitionOf(row: Record<string, unknown>): PolicySetDefinitionRecord[] {
  const id = text(row["id"]);
  const members = Array.isArray(row["policyDefinitions"]) ? row["policyDefinitions"] : [];
  return id === undefined
    ? []
    : [
        {
          id,
          policyDefinitions: members.flatMap((member) => {
            if (!isRecord(member)) return [];
            const policyDefinitionId = text(member["policyDefinitionId"]);
            return policyDefinitionId === undefined ? [] : [{ policyDefinitionId, policyDefinitionReferenceId: text(member["policyDefinitionReferenceId"]) ?? "" }];
          }),
        },
      ];
}

/**
 * Exemptions per subscription for the event worker, kept for a while so that a burst of events does not spend the
 * Resource Graph quota on the same three queries, and an event never flips a finding the sweep waived.
 */
export class CachedPolicyExemptions {
  private readonly cache = new Map<string, { readonly at: number; readonly read: Promise<PolicyExemptionRead> }>();

  constructor(
    private readonly reader: Pick<PolicyExemptionReader, "read">,
    private readonly maxAgeMs = 10 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  forSubscription(subscriptionId: string): Promise<PolicyExemptionRead> {
    const key = subscriptionId.toLowerCase();
    const cached = this.cache.get(key);
    if (cached !== undefined && this.clock() - cached.at < this.maxAgeMs) return cached.read;
    const read = this.reader.read({ kind: "subscriptions", subscriptionIds: [subscriptionId] });
    this.cache.set(key, { at: this.clock(), read });
    // A failed read is not kept: the next event tries again.
    read.catch(() => this.cache.delete(key));
    return read;
  }
}
