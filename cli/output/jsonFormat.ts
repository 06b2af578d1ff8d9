import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { Finding } from "../../shared/model/finding.js";
import type { ReportContext } from "./reportContext.js";
import { type ReportFormat, failingControls } from "./reportFormat.js";

export function resourceRecord(evaluation: ResourceEvaluation, context: ReportContext): Record<string, unknown> {
  const { resource } = evaluation;
  return {
    resourceId: resource.resourceId,
    resourceType: resource.resourceType,
    name: resource.name,
    subscriptionId: resource.subscriptionId,
    subscriptionName: context.subscriptionName(resource.subscriptionId) ?? null,
    resourceGroup: resource.resourceGroup,
    location: resource.location,
    tags: evaluation.tags,
    score: evaluation.score,
    exposure: evaluation.exposure.class,
    exposurePaths: evaluation.exposure.paths,
    failingControls: failingControls(evaluation),
    warnings: evaluation.warnings,
    ...(evaluation.ignoredWaiverTag === undefined ? {} : { ignoredWaiverTag: evaluation.ignoredWaiverTag }),
  };
}

export function findingRecord(finding: Finding): Record<string, unknown> {
  return {
    resourceId: finding.resourceId,
    controlId: finding.controlId,
    title: finding.title,
    severity: finding.severity,
    ...(finding.catalogSeverity === undefined ? {} : { catalogSeverity: finding.catalogSeverity }),
    status: finding.status,
    reason: finding.reason,
    evidence: finding.evidence,
    ...(finding.remediation ? { remediation: finding.remediation } : {}),
    ...(finding.waiver
      ? { waiverExpiry: finding.waiver.expires ?? null, waiverState: finding.waiver.state, waivedBy: finding.waiver.sources }
      : {}),
  };
}

/**
 * `{ "tool", "schemaVersion", "generatedAt", "evaluatedAt", "resources": [...], "findings": [...], "summary": {...} }`,
 * every status included.
 */
export function jsonFormat(context: ReportContext): ReportFormat {
  let resources = 0;
  let findings = 0;
  return {
    begin: (out) =>
      out.write(
        `{\n"tool": ${JSON.stringify({ name: "vaultwatch", version: context.toolVersion })},\n"schemaVersion": ${JSON.stringify(context.schemaVersion)},\n` +
          `"generatedAt": ${JSON.stringify(context.generatedAt.toISOString())},\n"evaluatedAt": ${JSON.stringify(context.evaluatedAt.toISOString())},\n"resources": [`,
      ),
    resource(evaluation, out) {
      out.write(`${resources++ === 0 ? "\n" : ",\n"}  ${JSON.stringify(resourceRecord(evaluation, context))}`);
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
