import { createHash } from "node:crypto";
import type { Location, Log, Notification, ReportingDescriptor, Result } from "sarif";
import { CONTROLS } from "../../shared/controls/catalog.js";
import { mappingsOf } from "../../shared/controls/complianceMappings.js";
import type { Control } from "../../shared/controls/control.js";
import { describeWaiverSource } from "../../shared/evaluate/waivers.js";
import type { ResourceSummary, Severity } from "../../shared/model/finding.js";
import { TOOL_VERSION } from "../../shared/version.js";
import type { ReportFormat } from "./reportFormat.js";

const LEVEL: Record<Severity, Result.level> = { High: "error", Medium: "warning", Low: "note" };
/** GitHub code scanning reads `security-severity` (0–10) to rank security results: 7.0+ high, 4.0–6.9 medium, below low. */
const SECURITY_SEVERITY: Record<Severity, string> = { High: "8.0", Medium: "5.0", Low: "3.0" };
const KIND_TAG = { vault: "key-vault", managedHsm: "managed-hsm" } as const;

/**
 * GitHub code scanning's documented upload limits: a file over any of them is rejected (results beyond 5,000 per run
 * are accepted but not shown, most severe first). vaultwatch writes one run, 13 rules and one location per result,
 * so only the results per run can be reached, by an estate with many failures.
 */
export const GITHUB_SARIF_LIMITS = {
  runsPerFile: 20,
  resultsPerRun: 25_000,
  rulesPerRun: 25_000,
  tagsPerRule: 20,
  locationsPerResult: 1_000,
  /** The upload itself: at most 10 MB once gzip-compressed. */
  gzippedBytes: 10 * 1024 * 1024,
} as const;

function pascalCase(text: string): string {
  return text.replace(/(^|\s)(\w)/g, (_, _space: string, letter: string) => letter.toUpperCase()).replace(/\W/g, "");
}

/**
 * The resource types, then the compliance mappings as `<framework>/<requirement>` so code-scanning views can filter by
 * them, within GitHub's 20 tags per rule (the full list is in the rule's `mappings` property).
 */
function ruleTags(control: Control): string[] {
  const base = ["security", "azure", ...control.appliesTo.map((kind) => KIND_TAG[kind])];
  const mappings = mappingsOf(control).map((mapping) => `${mapping.framework}/${mapping.requirement}`);
  return [...base, ...mappings].slice(0, GITHUB_SARIF_LIMITS.tagsPerRule);
}

function rule(control: Control): ReportingDescriptor {
  const appliesTo = control.appliesTo.map((kind) => (kind === "vault" ? "Key Vault vaults" : "Managed HSMs")).join(" and ");
  return {
    id: control.id,
    name: pascalCase(control.title),
    shortDescription: { text: control.title },
    fullDescription: { text: control.rationale },
    helpUri: control.guidance,
    help: {
      text: `${control.title} (${control.severity}). ${control.rationale} Applies to ${appliesTo}. Each result carries the command that fixes it. Microsoft's guidance: ${control.guidance}`,
      markdown:
        `**${control.title}** (${control.severity} severity, applies to ${appliesTo})\n\n${control.rationale}\n\n` +
        `Each result names the resource, says what is wrong and carries the fix as a note and shell-quoted commands (\`properties.remediation\`).\n\n` +
        `[Microsoft's guidance](${control.guidance})`,
    },
    defaultConfiguration: { level: LEVEL[control.severity] },
    properties: {
      severity: control.severity,
      "security-severity": SECURITY_SEVERITY[control.severity],
      precision: "very-high",
      tags: ruleTags(control),
      mappings: mappingsOf(control),
    },
  };
}

/**
 * Code scanning needs a physical location on every result, as a path relative to the repository. An Azure resource
 * has no file, so its ARM id (without the leading slash, each segment percent-encoded) stands in as a stable,
 * readable path; the id itself is the result's logical location.
 */
export function resourceLocation(resource: ResourceSummary): Location {
  const path = resource.resourceId
    .split("/")
    .filter((segment) => segment.length > 0)
    .map(encodeURIComponent)
    .join("/");
  return {
    physicalLocation: { artifactLocation: { uri: path }, region: { startLine: 1 } },
    logicalLocations: [{ fullyQualifiedName: resource.resourceId, name: resource.name, kind: "resource" }],
  };
}

/** Stable across runs whatever casing a source gives the id (ARM ids are case-insensitive). */
function fingerprint(resourceId: string, controlId: string): string {
  return createHash("sha256").update(`${resourceId.toLowerCase()}|${controlId}`).digest("hex");
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, one rule per control, one result per failing finding (waived ones as
 * accepted suppressions). Results past GitHub's per-run limit are left out, and a notification in the run says how many.
 */
export function sarifFormat(resultsPerRun: number = GITHUB_SARIF_LIMITS.resultsPerRun): ReportFormat {
  const ruleIndex = new Map(CONTROLS.map((control, index) => [control.id, index]));
  let results = 0;
  let omitted = 0;
  return {
    begin(out) {
      const log: Log = {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
          {
            tool: { driver: { name: "vaultwatch", version: TOOL_VERSION, rules: CONTROLS.map(rule) } },
            results: [],
          },
        ],
      };
      const text = JSON.stringify(log, null, 1);
      // Stream the results array: everything before its closing bracket now, the rest at the end.
      out.write(text.slice(0, text.lastIndexOf('"results": [') + '"results": ['.length));
    },
    resource(evaluation, out) {
      for (const finding of evaluation.findings) {
        if (finding.status !== "Fail" && finding.status !== "Waived") continue;
        if (results >= resultsPerRun) {
          omitted += 1;
          continue;
        }
        const result: Result = {
          ruleId: finding.controlId,
          ruleIndex: ruleIndex.get(finding.controlId) ?? -1,
          level: LEVEL[finding.severity],
          message: { text: `${evaluation.resource.name}: ${finding.reason}` },
          locations: [resourceLocation(evaluation.resource)],
          // A waived failure is reported as an accepted suppression, with what waived it as the justification.
          ...(finding.status === "Waived" && finding.waiver !== undefined
            ? {
                suppressions: [
                  {
                    kind: "external",
                    status: "accepted",
                    justification: finding.waiver.sources.filter((source) => source.state === "active").map(describeWaiverSource).join("; "),
                  },
                ],
              }
            : {}),
          partialFingerprints: { "vaultwatch/v1": fingerprint(finding.resourceId, finding.controlId) },
          properties: {
            resourceType: evaluation.resource.resourceType,
            subscriptionId: evaluation.resource.subscriptionId,
            ...(finding.remediation ? { remediation: finding.remediation } : {}),
            evidence: finding.evidence,
            exposure: evaluation.exposure.class,
            exposurePaths: evaluation.exposure.paths,
          },
        };
        out.write(`${results++ === 0 ? "\n" : ",\n"}${JSON.stringify(result)}`);
      }
    },
    async end(summary, out) {
      const notifications: Notification[] =
        omitted === 0
          ? []
          : [
              {
                level: "warning",
                message: {
                  text: `${omitted} further result(s) were left out: GitHub code scanning rejects a run with more than ${resultsPerRun} results. Use --format json or csv for every finding.`,
                },
              },
            ];
      const invocations = [{ executionSuccessful: true, toolExecutionNotifications: notifications }];
      // The framework view travels in the run's property bag, where SARIF keeps tool-specific data.
      const properties = summary.framework === undefined ? "" : `,\n"properties": ${JSON.stringify({ framework: summary.framework.toJSON() })}`;
      out.write(`\n],\n"invocations": ${JSON.stringify(invocations)}${properties}\n}\n]\n}\n`);
    },
  };
}
