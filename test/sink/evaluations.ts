/**
 * Evaluations with chosen statuses, for sequences of observations (transitions, state, writer tests).
 * Titles, severities and applicability come from the real catalog, so rows look like production rows.
 */
import { CONTROLS } from "../../shared/controls/catalog.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { Exposure, ExposureClass } from "../../shared/model/exposure.js";
import type { ControlId, Finding, Status } from "../../shared/model/finding.js";
import { RESOURCE_TYPE_NAMES, type ResourceKind } from "../../shared/model/resource.js";

export const SUBSCRIPTION_ID = "6f2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

export function vaultId(name: string, subscriptionId = SUBSCRIPTION_ID): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/rg-sink-tests/providers/Microsoft.KeyVault/vaults/${name}`;
}

export interface EvaluationSpec {
  readonly id: string;
  readonly kind?: ResourceKind;
  /** Controls not listed pass. */
  readonly statuses?: Partial<Record<ControlId, Status>>;
  readonly exposure?: ExposureClass;
  readonly exposurePaths?: Exposure["paths"];
}

export function evaluationOf(spec: EvaluationSpec): ResourceEvaluation {
  const kind = spec.kind ?? "vault";
  const name = spec.id.split("/").pop() ?? "unnamed";
  const findings: Finding[] = CONTROLS.filter((control) => control.appliesTo.includes(kind)).map((control) => {
    const status = spec.statuses?.[control.id] ?? "Pass";
    return {
      resourceId: spec.id,
      controlId: control.id,
      title: control.title,
      severity: control.severity,
      status,
      reason: `${control.title}: ${status === "Pass" ? "yes" : "no"} (test).`,
      evidence: status === "Pass" || status === "NotApplicable" ? {} : { seen: `what ${control.id} saw` },
      ...(status === "Fail" || status === "Waived"
        ? { remediation: { commands: [`az keyvault update --name ${name} --resource-group rg-sink-tests`], note: `Fixes ${control.id} (test).` } }
        : {}),
      ...(status === "Waived" ? { waiver: { expires: "2027-03-31", state: "active" as const } } : {}),
    };
  });
  return {
    resource: {
      resourceId: spec.id,
      resourceType: RESOURCE_TYPE_NAMES[kind],
      kind,
      name,
      subscriptionId: spec.id.split("/")[2] ?? SUBSCRIPTION_ID,
      resourceGroup: "rg-sink-tests",
      location: "westeurope",
    },
    score: findings.filter((finding) => finding.status === "Pass").length * 8,
    exposure: { class: spec.exposure ?? "PrivateOnly", paths: spec.exposurePaths ?? [] },
    findings,
    warnings: [],
  };
}
