import { CONTROLS } from "../controls/catalog.js";
import { type ControlOptions, type ControlOutcome, type Control, DEFAULT_CONTROL_OPTIONS } from "../controls/control.js";
import { effectiveExposure } from "../exposure/effectiveExposure.js";
import type { ResourceEvaluation } from "../model/evaluation.js";
import type { ControlId, Finding, ResourceSummary } from "../model/finding.js";
import { RESOURCE_TYPE_NAMES, type ResourcePosture } from "../model/resource.js";
import { scoreOf } from "./score.js";
import { DEFAULT_GOVERNANCE, type GovernanceConfig } from "../governance/governanceConfig.js";
import { exceptionSources, exceptionsCovering, waiverTagValue } from "../governance/exceptions.js";
import type { PolicyExemptionIndex } from "../governance/policyExemptions.js";
import { type Waiver, applyWaiverSources, parseWaivers, tagWaiverSource } from "./waivers.js";

export interface EvaluateOptions {
  /** The instant waivers are judged against; pinned in tests. */
  readonly now: Date;
  readonly controls?: Partial<ControlOptions>;
  /** The organisation's configuration (disabled controls, severities, exceptions, tag waivers); default: none. */
  readonly governance?: GovernanceConfig;
  /** Azure Policy exemptions read for the resources' scope; honoured unless the configuration ignores them. */
  readonly policyExemptions?: PolicyExemptionIndex;
}

/**
 * Every applicable, enabled control, then waivers (tag, configured exceptions, Azure Policy exemptions), score and
 * exposure. Pure: same input, same output. Exclusions are decided before this (see `exclusionOf`).
 */
export function evaluateResource(resource: ResourcePosture, options: EvaluateOptions): ResourceEvaluation {
  const controlOptions = { ...DEFAULT_CONTROL_OPTIONS, ...options.controls };
  const governance = options.governance ?? DEFAULT_GOVERNANCE;
  const tagsHonoured = governance.tagWaivers === "allow";
  const parsed = tagsHonoured ? parseWaivers(resource.tags) : { waivers: new Map<ControlId, Waiver>(), warnings: [] };
  const waivers = parsed.waivers;
  const waiverWarnings = [...parsed.warnings, ...inapplicableWaivers(resource, waivers)];
  const ignoredTag = tagsHonoured ? undefined : waiverTagValue(resource.tags);
  // Scopes are matched once per resource; each control then only filters by its id.
  const exceptions = exceptionsCovering(governance.exceptions, resource.id);
  const exemptions = governance.azurePolicyExemptions === "honour" ? options.policyExemptions?.covering(resource) : undefined;
  const findings = CONTROLS.filter((control) => control.appliesTo.includes(resource.kind) && !governance.disabledControls.has(control.id)).map((control) => {
    const finding = toFinding(resource, control, runControl(control, resource, controlOptions), governance.severityOverrides.get(control.id));
    const tag = waivers.get(control.id);
    return applyWaiverSources(finding, [
      ...(tag === undefined ? [] : [tagWaiverSource(tag, options.now)]),
      ...exceptionSources(exceptions, control.id, options.now),
      ...(exemptions?.sourcesFor(control.id, options.now) ?? []),
    ]);
  });
  return {
    resource: summarise(resource),
    tags: resource.tags,
    score: scoreOf(findings),
    exposure: effectiveExposure(resource),
    findings,
    warnings: [...resource.problems.map((problem) => `${resource.id}: ${problem}`), ...waiverWarnings.map((w) => `${resource.id}: ${w}`)],
    ...(ignoredTag === undefined ? {} : { ignoredWaiverTag: ignoredTag }),
  };
}

/** A waiver for a control the resource's type never gets is a mistake worth saying, not a silent no-op. */
function inapplicableWaivers(resource: ResourcePosture, waivers: ReadonlyMap<string, Waiver>): string[] {
  return [...waivers.values()]
    .filter((waiver) => !CONTROLS.some((control) => control.id === waiver.controlId && control.appliesTo.includes(resource.kind)))
    .map((waiver) => `Ignored waiver for ${waiver.controlId}: that control does not apply to a ${RESOURCE_TYPE_NAMES[resource.kind]} resource.`);
}

export function summarise(resource: ResourcePosture): ResourceSummary {
  return {
    resourceId: resource.id,
    resourceType: RESOURCE_TYPE_NAMES[resource.kind],
    kind: resource.kind,
    name: resource.name,
    subscriptionId: resource.subscriptionId,
    resourceGroup: resource.resourceGroup,
    location: resource.location,
  };
}

/** The engine, not the control, decides what a thrown error means: Unknown, with the error as the reason. */
function runControl(control: Control, resource: ResourcePosture, options: ControlOptions): ControlOutcome {
  try {
    return control.evaluate(resource, options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: "Unknown", reason: `The control failed to evaluate: ${message}`, evidence: { error: message } };
  }
}

function toFinding(resource: ResourcePosture, control: Control, outcome: ControlOutcome, severity = control.severity): Finding {
  return {
    resourceId: resource.id,
    controlId: control.id,
    title: control.title,
    severity,
    ...(severity === control.severity ? {} : { catalogSeverity: control.severity }),
    status: outcome.status,
    reason: outcome.reason,
    evidence: outcome.evidence,
    // Only a failure has something to fix (a waived one keeps it: the waiver postpones the fix).
    ...(outcome.status === "Fail" ? { remediation: control.remediation(resource) } : {}),
  };
}
