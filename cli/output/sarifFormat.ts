import { createHash } from "node:crypto";
import type { Log, ReportingDescriptor, Result } from "sarif";
import { CONTROLS } from "../../shared/controls/catalog.js";
import type { Severity } from "../../shared/model/finding.js";
import { TOOL_VERSION } from "../../shared/version.js";
import type { ReportFormat } from "./reportFormat.js";

const LEVEL: Record<Severity, Result.level> = { High: "error", Medium: "warning", Low: "note" };
/** GitHub code scanning reads `security-severity` (0–10) to rank security results. */
const SECURITY_SEVERITY: Record<Severity, string> = { High: "8.0", Medium: "5.0", Low: "3.0" };

function rules(): ReportingDescriptor[] {
  return CONTROLS.map((control) => ({
    id: control.id,
    name: control.title.replace(/(^|\s)(\w)/g, (_, _space: string, letter: string) => letter.toUpperCase()).replace(/\W/g, ""),
    shortDescription: { text: control.title },
    fullDescription: { text: control.rationale },
    help: { text: `${control.rationale} Applies to: ${control.appliesTo.join(", ")}.` },
    defaultConfiguration: { level: LEVEL[control.severity] },
    properties: { severity: control.severity, "security-severity": SECURITY_SEVERITY[control.severity], tags: ["security", "azure", "key-vault"] },
  }));
}

/** SARIF 2.1.0: one rule per control, one result per failing finding, located by the resource's ARM id. */
export function sarifFormat(): ReportFormat {
  const ruleIndex = new Map(CONTROLS.map((control, index) => [control.id, index]));
  let results = 0;
  return {
    begin(out) {
      const log: Log = {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [{ tool: { driver: { name: "vaultwatch", version: TOOL_VERSION, rules: rules() } }, results: [] }],
      };
      const text = JSON.stringify(log, null, 1);
      // Stream the results array: everything before its closing bracket now, the rest at the end.
      out.write(text.slice(0, text.lastIndexOf('"results": [') + '"results": ['.length));
    },
    resource(evaluation, out) {
      for (const finding of evaluation.findings) {
        if (finding.status !== "Fail") continue;
        const result: Result = {
          ruleId: finding.controlId,
          ruleIndex: ruleIndex.get(finding.controlId) ?? -1,
          level: LEVEL[finding.severity],
          message: { text: `${evaluation.resource.name}: ${finding.reason}` },
          locations: [
            {
              logicalLocations: [
                { fullyQualifiedName: finding.resourceId, name: evaluation.resource.name, kind: "resource" },
              ],
            },
          ],
          partialFingerprints: {
            "vaultwatch/v1": createHash("sha256").update(`${finding.resourceId.toLowerCase()}|${finding.controlId}`).digest("hex"),
          },
          properties: {
            resourceType: evaluation.resource.resourceType,
            ...(finding.remediation ? { remediation: finding.remediation } : {}),
            evidence: finding.evidence,
            exposure: evaluation.exposure.class,
            exposurePaths: evaluation.exposure.paths,
          },
        };
        out.write(`${results++ === 0 ? "\n" : ",\n"}${JSON.stringify(result)}`);
      }
    },
    async end(_summary, out) {
      out.write("\n]\n}\n]\n}\n");
    },
  };
}
