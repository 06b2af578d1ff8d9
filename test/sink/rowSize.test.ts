import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateEstate } from "../../emulator/index.js";
import { CONTROLS } from "../../shared/controls/catalog.js";
import { evaluateItems } from "../../shared/evaluate/evaluateItems.js";
import type { ResourcePosture } from "../../shared/model/resource.js";
import { normaliseResource } from "../../shared/normalise/normaliseResource.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { buildFindingRows, toJsonValue } from "../../shared/sink/findingRows.js";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";
import { utf8Bytes } from "../../shared/sink/recordLimits.js";
import { estimatedBilledBytes, measureRowBytes } from "../../shared/sink/rowSize.js";
import { computeTransitions } from "../../shared/state/transitions.js";

const NOW = new Date("2026-11-24T06:00:00.000Z");
// A realistic estate: the emulator's generator spreads postures from locked down to wide open, as a tenant would.
const bodies = [...generateEstate({ resources: 400, subscriptions: 8, seed: 11 }).estate.exportBodies()];
const evaluations: ResourceEvaluation[] = [...evaluateItems(bodies, { now: NOW })];
/** The postures behind the evaluations, for the remediation every control would name (findings carry it only on failures). */
const postures = new Map<string, ResourcePosture>(
  bodies.flatMap((body) => {
    const result = normaliseResource(body);
    return result.ok ? [[result.resource.id, result.resource] as const] : [];
  }),
);

/** The rows of a routine sweep: every resource seen before, with the same result (the common case). */
function steadySweepRows(): FindingRow[] {
  const run = { runId: randomUUID(), trigger: "sweep" as const };
  return evaluations.flatMap((evaluation) => {
    const earlier = computeTransitions(undefined, evaluation.findings).next;
    const { transitions } = computeTransitions(earlier, evaluation.findings);
    return buildFindingRows({ evaluation, observedAt: NOW, run, transitions, previousExposure: evaluation.exposure.class });
  });
}

describe("bytes per resource per sweep", () => {
  const rows = steadySweepRows();
  const report = measureRowBytes(rows);

  it("keeps long text off passing rows and the exposure paths to one row per resource", () => {
    const passing = rows.filter((row) => (row.Status === "Pass" || row.Status === "NotApplicable") && row.Transition === "Unchanged");
    expect(passing.length).toBeGreaterThan(rows.length / 2);
    for (const row of passing) {
      expect(row.ControlTitle ?? row.Reason ?? row.Evidence ?? row.Remediation).toBeUndefined();
    }
    expect(rows.filter((row) => row.ExposurePaths !== undefined)).toHaveLength(evaluations.length);
  });

  it("costs at least a quarter less than the same rows would cost carrying all their text", () => {
    const findingsById = new Map(evaluations.flatMap((evaluation) => evaluation.findings.map((finding) => [`${finding.resourceId}|${finding.controlId}`, finding] as const)));
    const carryingEverything = rows.map((row): FindingRow => {
      const finding = findingsById.get(`${row.AzureResourceId}|${row.ControlId}`);
      if (finding === undefined) throw new Error(`no finding behind the row of ${row.AzureResourceId} ${row.ControlId}`);
      return { ...row, ControlTitle: finding.title, Reason: finding.reason, Evidence: toJsonValue(finding.evidence), Remediation: (finding.remediation ?? remediationOf(finding.resourceId, finding.controlId)).commands.join("\n") };
    });
    const full = carryingEverything.reduce((sum, row) => sum + estimatedBilledBytes(row), 0) / evaluations.length;
    expect(report.billedBytesPerResource.mean).toBeLessThan(full * 0.75);
  });

  it("stays within 7 KB of billed data per resource per sweep", () => {
    expect(report.resources).toBe(evaluations.length);
    expect(report.billedBytesPerResource.mean).toBeLessThan(7_000);
  });

  it("cannot reach 2 KB while every row carries the resource id: the columns that identify a row already exceed it", () => {
    const identifying = rows.reduce(
      (sum, row) => sum + utf8Bytes(row.TimeGenerated) + utf8Bytes(row.RunId) + utf8Bytes(row.AzureResourceId) + utf8Bytes(row.ControlId),
      0,
    );
    expect(identifying / evaluations.length).toBeGreaterThan(2_048);
  });
});

function remediationOf(resourceId: string, controlId: string) {
  const posture = postures.get(resourceId);
  const control = CONTROLS.find((candidate) => candidate.id === controlId);
  if (posture === undefined || control === undefined) throw new Error(`no posture or control behind ${resourceId} ${controlId}`);
  return control.remediation(posture);
}
