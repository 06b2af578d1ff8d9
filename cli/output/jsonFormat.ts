import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { Finding } from "../../shared/model/finding.js";
import { type ReportFormat, failingControls } from "./reportFormat.js";

export function resourceRecord(evaluation: ResourceEvaluation): Record<string, unknown> {
  const { resource } = evaluation;
  return {
    resourceId: resource.resourceId,
    resourceType: resource.resourceType,
    name: resource.name,
    subscriptionId: resource.subscriptionId,
    resourceGroup: resource.resourceGroup,
    location: resource.location,
    score: evaluation.score,
    exposure: evaluation.exposure.class,
    exposurePaths: evaluation.exposure.paths,
    failingControls: failingControls(evaluation),
    warnings: evaluation.warnings,
  };
}

export function findingRecord(finding: Finding): Record<string, unknown> {
  return {
    resourceId: finding.resourceId,
    controlId: finding.controlId,
    title: finding.title,
    severity: finding.severity,
    status: finding.status,
    reason: finding.reason,
    evidence: finding.evidence,
    ...(finding.remediation ? { remediation: finding.remediation } : {}),
    ...(finding.waiver ? { waiverExpiry: finding.waiver.expires, waiverState: finding.waiver.state } : {}),
  };
}

/** `{ "resources": [...], "findings": [...], "summary": {...} }`, every status included. */
export function jsonFormat(): ReportFormat {
  let resources = 0;
  let findings = 0;
  return {
    begin: (out) => out.write('{\n"resources": ['),
    resource(evaluation, out) {
      out.write(`${resources++ === 0 ? "\n" : ",\n"}  ${JSON.stringify(resourceRecord(evaluation))}`);
      for (const finding of evaluation.findings) {
        out.deferred(`${findings++ === 0 ? "\n" : ",\n"}  ${JSON.stringify(findingRecord(finding))}`);
      }
    },
    async end(summary, out) {
      out.write(`${resources > 0 ? "\n" : ""}],\n"findings": [`);
      await out.appendDeferred();
      out.write(`${findings > 0 ? "\n" : ""}],\n"summary": ${JSON.stringify(summary)}\n}\n`);
    },
  };
}
