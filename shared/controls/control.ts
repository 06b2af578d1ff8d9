import type { ControlId, ControlStatus, Evidence, Remediation, Severity } from "../model/finding.js";
import type { Reading, ResourceKind, ResourcePosture } from "../model/resource.js";
import { shellCommand } from "./shellCommand.js";

export interface ControlOutcome {
  readonly status: ControlStatus;
  readonly reason: string;
  readonly evidence: Evidence;
}

export interface ControlOptions {
  /** VW-NET-005: IP rules broader than this prefix (more addresses) fail. CONTROLS.md default: /16. */
  readonly minIpRulePrefixLength: number;
}

export const DEFAULT_CONTROL_OPTIONS: ControlOptions = { minIpRulePrefixLength: 16 };

/** One entry of the catalog: metadata as data, plus how to judge a resource and how to fix it. */
export interface Control {
  readonly id: ControlId;
  readonly title: string;
  readonly severity: Severity;
  readonly appliesTo: readonly ResourceKind[];
  /** Why the control matters, for generated docs and SARIF rule help. */
  readonly rationale: string;
  evaluate(resource: ResourcePosture, options: ControlOptions): ControlOutcome;
  /** How to fix a failure: runnable commands with the resource's name, group and id quoted in, and a note. */
  remediation(resource: ResourcePosture): Remediation;
}

export const pass = (reason: string, evidence: Evidence = {}): ControlOutcome => ({ status: "Pass", reason, evidence });
export const fail = (reason: string, evidence: Evidence = {}): ControlOutcome => ({ status: "Fail", reason, evidence });
export const notApplicable = (reason: string, evidence: Evidence = {}): ControlOutcome => ({
  status: "NotApplicable",
  reason,
  evidence,
});
export const unknown = (reason: string, evidence: Evidence = {}): ControlOutcome => ({ status: "Unknown", reason, evidence });

type ReadingValues<R> = { [K in keyof R]: R[K] extends Reading<infer T> ? T : never };

/**
 * Reads every property a control needs at once: if one could not be read, the control is `Unknown`
 * with that problem as its reason, so a control never passes on data it did not see.
 */
export function whenReadable<R extends Record<string, Reading<unknown>>>(
  readings: R,
  judge: (values: ReadingValues<R>) => ControlOutcome,
): ControlOutcome {
  const values: Record<string, unknown> = {};
  for (const [key, reading] of Object.entries(readings)) {
    if (!reading.known) return unknown(`Could not read ${key}: ${reading.problem}`, { unreadable: key });
    values[key] = reading.value;
  }
  return judge(values as ReadingValues<R>);
}

/** `az keyvault update` or `az keyvault update-hsm` for the resource's kind, with `flags` after the target. */
export function azUpdateCommand(resource: ResourcePosture, ...flags: string[]): string {
  return resource.kind === "vault"
    ? shellCommand("az", "keyvault", "update", "--name", resource.name, "--resource-group", resource.resourceGroup, ...flags)
    : shellCommand("az", "keyvault", "update-hsm", "--hsm-name", resource.name, "--resource-group", resource.resourceGroup, ...flags);
}

/** `--vault-name N` or `--hsm-name N`, as the `az keyvault private-endpoint-connection` and `network-rule` commands take them. */
export function azTargetFlags(resource: ResourcePosture): string[] {
  return [resource.kind === "vault" ? "--vault-name" : "--hsm-name", resource.name, "--resource-group", resource.resourceGroup];
}
