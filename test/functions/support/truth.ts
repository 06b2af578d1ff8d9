import type { Estate } from "../../../emulator/index.js";
import { evaluateResource } from "../../../shared/evaluate/evaluate.js";
import type { Status } from "../../../shared/model/finding.js";
import { normaliseResource } from "../../../shared/normalise/normaliseResource.js";

/** Status per control, per resource (lower-cased id). */
export type PostureMap = Map<string, Map<string, Status>>;

/** What vaultwatch should conclude about the emulator's estate as it is now: evaluated straight from its bodies. */
export function truthOf(estate: Estate, now: Date): PostureMap {
  const truth: PostureMap = new Map();
  for (const body of estate.exportBodies()) {
    const normalised = normaliseResource(body);
    if (!normalised.ok) throw new Error(`the emulator holds a resource the normaliser refuses: ${JSON.stringify(normalised)}`);
    const evaluation = evaluateResource(normalised.resource, { now });
    truth.set(evaluation.resource.resourceId.toLowerCase(), new Map(evaluation.findings.map((finding) => [finding.controlId, finding.status])));
  }
  return truth;
}

type Row = Readonly<Record<string, unknown>>;

/**
 * The latest row per resource and control, as a workbook's `arg_max(TimeGenerated, *)` sees the table (rows with
 * equal times: the later arrival wins). A control whose latest row is `Removed` is no longer evaluated, and a
 * resource left with no such control is gone.
 */
export function currentPosture(rows: readonly Row[]): PostureMap {
  const latest = new Map<string, Map<string, Row>>();
  for (const row of rows) {
    if (row["RecordType"] !== "Finding") continue;
    const resource = String(row["AzureResourceId"]).toLowerCase();
    const control = String(row["ControlId"]);
    let controls = latest.get(resource);
    if (controls === undefined) latest.set(resource, (controls = new Map()));
    const previous = controls.get(control);
    if (previous === undefined || String(row["TimeGenerated"]) >= String(previous["TimeGenerated"])) controls.set(control, row);
  }
  const posture: PostureMap = new Map();
  for (const [resource, controls] of latest) {
    const statuses = new Map<string, Status>();
    for (const [control, row] of controls) if (row["Status"] !== "Removed") statuses.set(control, row["Status"] as Status);
    if (statuses.size > 0) posture.set(resource, statuses);
  }
  return posture;
}

/** Differences between two posture maps, as readable lines (empty when they agree). */
export function postureDifferences(actual: PostureMap, expected: PostureMap): string[] {
  const lines: string[] = [];
  for (const [resource, controls] of expected) {
    const seen = actual.get(resource);
    if (seen === undefined) {
      lines.push(`missing ${resource}`);
      continue;
    }
    for (const [control, status] of controls) {
      if (seen.get(control) !== status) lines.push(`${resource} ${control}: ${seen.get(control) ?? "no row"}, expected ${status}`);
    }
    for (const control of seen.keys()) if (!controls.has(control)) lines.push(`${resource} ${control}: unexpected row`);
  }
  for (const resource of actual.keys()) if (!expected.has(resource)) lines.push(`unexpected ${resource}`);
  return lines;
}
