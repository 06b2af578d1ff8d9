import { estateScoreOf } from "../../shared/evaluate/score.js";
import { printable, scoreText } from "../output/safeText.js";
import { SEVERITIES, type Severity } from "../../shared/model/finding.js";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";

export interface WorstResource {
  readonly name: string;
  readonly id: string;
  /** `null` when nothing could be judged. */
  readonly score: number | null;
  readonly exposure: string;
  readonly failures: readonly { readonly controlId: string; readonly severity: Severity; readonly remediation: string }[];
}

export interface DemoSummary {
  readonly resources: number;
  readonly vaults: number;
  readonly managedHsms: number;
  /** Mean of the resources' latest scores, rounded half up; `null` when none has one. */
  readonly estateScore: number | null;
  readonly failuresBySeverity: Readonly<Record<Severity, number>>;
  /** Failing resources per control, most first. */
  readonly failuresByControl: readonly { readonly controlId: string; readonly severity: Severity; readonly count: number }[];
  readonly unknown: number;
  readonly waived: number;
  readonly worst: readonly WorstResource[];
}

/** The estate as the latest row per resource and control describes it (what the workbook shows). */
export function summariseLatest(latest: readonly FindingRow[], worstCount = 5): DemoSummary {
  const byResource = new Map<string, FindingRow[]>();
  for (const row of latest) {
    const key = row.AzureResourceId.toLowerCase();
    byResource.set(key, [...(byResource.get(key) ?? []), row]);
  }
  const resources = [...byResource.values()];
  // A resource with nothing judged has no score (the column is absent): it stays out of the mean and the ranking.
  const scoreOf = (rows: FindingRow[]): number | null => rows[0]?.ResourceScore ?? null;
  const failures = latest.filter((row) => row.Status === "Fail");
  const failuresBySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, failures.filter((row) => row.Severity === s).length])) as Record<Severity, number>;
  const controlCounts = new Map<string, { severity: Severity; count: number }>();
  for (const row of failures) {
    const entry = controlCounts.get(row.ControlId) ?? { severity: row.Severity, count: 0 };
    entry.count += 1;
    controlCounts.set(row.ControlId, entry);
  }
  const worst = resources
    .map((rows): WorstResource => {
      const first = rows[0] as FindingRow;
      return {
        name: first.AzureResourceName,
        id: first.AzureResourceId,
        score: scoreOf(rows),
        exposure: first.Exposure ?? "Unknown",
        failures: rows
          .filter((row) => row.Status === "Fail")
          .sort((a, b) => SEVERITIES.indexOf(a.Severity) - SEVERITIES.indexOf(b.Severity) || a.ControlId.localeCompare(b.ControlId))
          .map((row) => ({ controlId: row.ControlId, severity: row.Severity, remediation: row.Remediation ?? "" })),
      };
    })
    .sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || a.name.localeCompare(b.name))
    .slice(0, worstCount);
  return {
    resources: resources.length,
    vaults: resources.filter((rows) => !rows[0]?.AzureResourceType.toLowerCase().endsWith("managedhsms")).length,
    managedHsms: resources.filter((rows) => rows[0]?.AzureResourceType.toLowerCase().endsWith("managedhsms")).length,
    estateScore: estateScoreOf(resources.map(scoreOf)),
    failuresBySeverity,
    failuresByControl: [...controlCounts]
      .map(([controlId, { severity, count }]) => ({ controlId, severity, count }))
      .sort((a, b) => b.count - a.count || a.controlId.localeCompare(b.controlId)),
    unknown: latest.filter((row) => row.Status === "Unknown").length,
    waived: latest.filter((row) => row.Status === "Waived").length,
    worst,
  };
}

export function printSummary(summary: DemoSummary, print: (line: string) => void): void {
  const s = summary.failuresBySeverity;
  print(`\nEstate: ${summary.resources} resources (${summary.vaults} vaults, ${summary.managedHsms} managed HSMs), estate score ${scoreText(summary.estateScore)}/100.`);
  print(`Failures: ${s.High} high, ${s.Medium} medium, ${s.Low} low; ${summary.unknown} unknown, ${summary.waived} waived.`);
  print("Failing resources by control:");
  for (const { controlId, severity, count } of summary.failuresByControl) print(`  ${controlId.padEnd(11)} ${severity.padEnd(7)} ${count}`);
  print(`\nThe ${summary.worst.length} worst resources, and how to fix them:`);
  for (const resource of summary.worst) {
    print(`  ${printable(resource.name)} (score ${scoreText(resource.score)}, exposure ${resource.exposure})`);
    for (const failure of resource.failures.slice(0, 3)) {
      // The Remediation column holds the commands, one per line; each line made printable.
      const [first = "", ...rest] = failure.remediation.split("\n");
      print(`    [${failure.severity}] ${failure.controlId}: ${printable(first)}`);
      for (const line of rest) print(`      ${printable(line)}`);
    }
    if (resource.failures.length > 3) print(`    … and ${resource.failures.length - 3} more failing controls`);
  }
}
