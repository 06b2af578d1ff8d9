import { CONTROLS } from "../controls/catalog.js";
import { type ControlOptions, type ControlOutcome, type Control, DEFAULT_CONTROL_OPTIONS } from "../controls/control.js";
import { effectiveExposure } from "../exposure/effectiveExposure.js";
import type { ResourceEvaluation } from "../model/evaluation.js";
import type { Finding, ResourceSummary } from "../model/finding.js";
import { RESOURCE_TYPE_NAMES, type ResourcePosture } from "../model/resource.js";
import { scoreOf } from "./score.js";
import { type Waiver, parseWaivers, waiverNote } from "./waivers.js";

export interface EvaluateOptions {
  /** The instant waivers are judged against; pinned in tests. */
  readonly now: Date;
  readonly controls?: Partial<ControlOptions>;
}

/** Every applicable control, then waivers, score and exposure. Pure: same input, same output. */
export function evaluateResource(resource: ResourcePosture, options: EvaluateOptions): ResourceEvaluation {
  const controlOptions = { ...DEFAULT_CONTROL_OPTIONS, ...options.controls };
  const { waivers, warnings: parsedWaiverWarnings } = parseWaivers(resource.tags);
  const waiverWarnings = [...parsedWaiverWarnings, ...inapplicableWaivers(resource, waivers)];
  const findings = CONTROLS.filter((control) => control.appliesTo.includes(resource.kind)).map((control) =>
    applyWaiver(toFinding(resource, control, runControl(control, resource, controlOptions)), waivers.get(control.id), options.now),
  );
  return {
    resource: summarise(resource),
    score: scoreOf(findings),
    exposure: effectiveExposure(resource),
    findings,
    warnings: [...resource.problems.map((problem) => `${resource.id}: ${problem}`), ...waiverWarnings.map((w) => `${resource.id}: ${w}`)],
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

function toFinding(resource: ResourcePosture, control: Control, outcome: ControlOutcome): Finding {
  return {
    resourceId: resource.id,
    controlId: control.id,
    title: control.title,
    severity: control.severity,
    status: outcome.status,
    reason: outcome.reason,
    evidence: outcome.evidence,
    // Only a failure has something to fix (a waived one keeps it: the waiver postpones the fix).
    ...(outcome.status === "Fail" ? { remediation: control.remediation(resource) } : {}),
  };
}

/** A valid, unexpired waiver turns Fail into Waived; it leaves every other status alone. */
function applyWaiver(finding: Finding, waiver: Waiver | undefined, now: Date): Finding {
  if (!waiver) return finding;
  const note = waiverNote(waiver, now);
  if (note.state === "expired") {
    return {
      ...finding,
      waiver: note,
      reason: finding.status === "Fail" ? `${finding.reason} The waiver expired on ${note.expires}.` : finding.reason,
    };
  }
  if (finding.status !== "Fail") return { ...finding, waiver: note };
  return { ...finding, status: "Waived", waiver: note, reason: `Waived until ${note.expires}: ${finding.reason}` };
}
