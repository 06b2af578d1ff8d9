import { describe, expect, it } from "vitest";
import { evaluationOf, vaultId } from "../../test/sink/evaluations.js";
import type { ResourceEvaluation } from "../model/evaluation.js";
import type { ControlId } from "../model/finding.js";
import { TOOL_VERSION } from "../version.js";
import {
  buildFindingRows,
  buildRemovedRows,
  buildRunSummaryRow,
  mergeTallies,
  tallyFindingRows,
  toJsonValue,
  waiverEndOfDay,
  type ControlTransition,
} from "./findingRows.js";
import type { FindingRow } from "./findingsSchema.js";
import type { RunContext } from "./runContext.js";

const OBSERVED_AT = new Date("2026-11-24T06:00:00.000Z");
const RUN: RunContext = { runId: "sweep-2026-11-24T06:00Z", trigger: "sweep" };
const ID = vaultId("kv-rows");

function rowsOf(evaluation: ResourceEvaluation, transitions: ReadonlyMap<ControlId, ControlTransition> = new Map(), run = RUN): FindingRow[] {
  return buildFindingRows({ evaluation, observedAt: OBSERVED_AT, run, transitions });
}

function rowOf(rows: FindingRow[], controlId: string): FindingRow {
  const row = rows.find((candidate) => candidate.ControlId === controlId);
  if (row === undefined) throw new Error(`no row for ${controlId}`);
  return row;
}

const LONG_TEXT = ["ControlTitle", "Reason", "Evidence", "Remediation"] as const;

describe("finding rows", () => {
  it("writes one row per control of the evaluation, each with the run, the resource's identity and the observation time", () => {
    const rows = rowsOf(evaluationOf({ id: ID }));
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect(row).toMatchObject({
        TimeGenerated: "2026-11-24T06:00:00.000Z",
        RecordType: "Finding",
        RunId: RUN.runId,
        Trigger: "sweep",
        AzureResourceId: ID,
        AzureResourceType: "Microsoft.KeyVault/vaults",
        AzureResourceName: "kv-rows",
        AzureSubscriptionId: ID.split("/")[2],
        AzureResourceGroup: "rg-sink-tests",
        AzureLocation: "westeurope",
        ToolVersion: TOOL_VERSION,
      });
    }
  });

  it("keeps passing rows lean: no title, reason, evidence or remediation", () => {
    const row = rowOf(rowsOf(evaluationOf({ id: ID })), "VW-DP-001");
    for (const column of LONG_TEXT) expect(row).not.toHaveProperty(column);
    expect(row).toMatchObject({ Status: "Pass", Transition: "Unchanged", Severity: "High" });
  });

  it("explains a failing row with its title, reason, evidence and remediation", () => {
    const row = rowOf(rowsOf(evaluationOf({ id: ID, statuses: { "VW-DP-001": "Fail" } })), "VW-DP-001");
    expect(row).toMatchObject({
      Status: "Fail",
      Transition: "New",
      ControlTitle: "Purge protection is enabled",
      Evidence: { seen: "what VW-DP-001 saw" },
    });
    expect(row.Reason).toContain("Purge protection");
    expect(row.Remediation).toContain("az keyvault update --name kv-rows");
  });

  it("explains an Unknown row but offers no remediation, since nothing is known to be wrong", () => {
    const row = rowOf(rowsOf(evaluationOf({ id: ID, statuses: { "VW-LOG-001": "Unknown" } })), "VW-LOG-001");
    expect(row).toHaveProperty("Reason");
    expect(row).toHaveProperty("Evidence");
    expect(row).not.toHaveProperty("Remediation");
  });

  it("says why a control passes on the row where it stopped failing", () => {
    const transitions = new Map<ControlId, ControlTransition>([["VW-DP-001", { previousStatus: "Fail", transition: "Resolved" }]]);
    const row = rowOf(rowsOf(evaluationOf({ id: ID }), transitions), "VW-DP-001");
    expect(row).toMatchObject({ Status: "Pass", PreviousStatus: "Fail", Transition: "Resolved", ControlTitle: "Purge protection is enabled" });
    expect(row).not.toHaveProperty("Remediation");
  });

  it("carries a waiver's inclusive end as WaiverExpiry on a waived row", () => {
    const row = rowOf(rowsOf(evaluationOf({ id: ID, statuses: { "VW-NET-003": "Waived" } })), "VW-NET-003");
    expect(row.WaiverExpiry).toBe("2027-03-31T23:59:59.999Z");
    expect(row).not.toHaveProperty("Remediation");
    expect(waiverEndOfDay("31/03/2027")).toBeUndefined();
  });

  it("puts the exposure on every row but its history and paths on the VW-NET-001 row only", () => {
    const evaluation = evaluationOf({ id: ID, exposure: "Internet", exposurePaths: [{ kind: "allNetworks" }] });
    const rows = buildFindingRows({ evaluation, observedAt: OBSERVED_AT, run: RUN, transitions: new Map(), previousExposure: "PrivateOnly" });
    expect(rows.every((row) => row.Exposure === "Internet")).toBe(true);
    const carriers = rows.filter((row) => row.PreviousExposure !== undefined || row.ExposurePaths !== undefined);
    expect(carriers).toHaveLength(1);
    expect(carriers[0]).toMatchObject({ ControlId: "VW-NET-001", PreviousExposure: "PrivateOnly", ExposurePaths: [{ kind: "allNetworks" }] });
  });

  it("records the event and who made the change on every row of an event-caused evaluation", () => {
    const run: RunContext = {
      runId: "event-0d1e",
      trigger: "event",
      event: {
        eventId: "0d1e",
        eventTime: new Date("2026-11-24T05:59:58Z"),
        attribution: { operation: "Microsoft.KeyVault/vaults/write", callerName: "alice@contoso.com", clientIp: "203.0.113.9" },
      },
    };
    const rows = rowsOf(evaluationOf({ id: ID }), new Map(), run);
    for (const row of rows) {
      expect(row).toMatchObject({
        Trigger: "event",
        EventId: "0d1e",
        EventTime: "2026-11-24T05:59:58.000Z",
        ChangeOperation: "Microsoft.KeyVault/vaults/write",
        ChangeCallerName: "alice@contoso.com",
        ChangeClientIp: "203.0.113.9",
      });
      expect(row).not.toHaveProperty("ChangeCallerObjectId");
    }
  });

  it("reports evidence that cannot be serialised instead of dropping it", () => {
    expect(toJsonValue({ count: BigInt(3) })).toEqual({ unserialisable: expect.stringContaining("BigInt") });
    expect(toJsonValue({ nested: { list: [1, "a"] }, skipped: undefined })).toEqual({ nested: { list: [1, "a"] } });
  });

  it("leaves ResourceScore out, never 100, when nothing about the resource could be judged", () => {
    const evaluation = { ...evaluationOf({ id: ID, statuses: { "VW-LOG-001": "Unknown" } }), score: null };
    for (const row of rowsOf(evaluation)) expect(row).not.toHaveProperty("ResourceScore");
    expect(rowOf(rowsOf(evaluationOf({ id: ID })), "VW-DP-001").ResourceScore).toEqual(expect.any(Number));
  });

  it("carries the remediation commands, one per line, on failing rows only", () => {
    const rows = rowsOf(evaluationOf({ id: ID, statuses: { "VW-DP-001": "Fail" } }));
    expect(rowOf(rows, "VW-DP-001").Remediation).toBe("az keyvault update --name kv-rows --resource-group rg-sink-tests");
    expect(rowOf(rows, "VW-NET-001").Remediation).toBeUndefined();
  });
});

describe("removed rows", () => {
  it("closes each control of a deleted resource with status and transition Removed and its last status", () => {
    const resource = evaluationOf({ id: ID }).resource;
    const rows = buildRemovedRows({
      resource,
      controls: [
        { controlId: "VW-NET-001", severity: "High", previousStatus: "Fail" },
        { controlId: "VW-DP-001", severity: "High", previousStatus: "Pass" },
      ],
      observedAt: OBSERVED_AT,
      run: RUN,
      reason: "The resource was deleted.",
      previousExposure: "Internet",
    });
    expect(rows).toEqual([
      expect.objectContaining({ ControlId: "VW-NET-001", Status: "Removed", PreviousStatus: "Fail", Transition: "Removed", PreviousExposure: "Internet" }),
      expect.objectContaining({ ControlId: "VW-DP-001", Status: "Removed", PreviousStatus: "Pass", Transition: "Removed" }),
    ]);
    expect(rows[1]).not.toHaveProperty("PreviousExposure");
  });
});

describe("run summary", () => {
  const rows = [
    ...rowsOf(evaluationOf({ id: vaultId("kv-a"), statuses: { "VW-NET-001": "Fail", "VW-LOG-002": "Fail" } })),
    ...rowsOf(evaluationOf({ id: vaultId("kv-b"), statuses: { "VW-DP-002": "Fail" } })),
  ];

  it("tallies resources and failures by severity, counting each resource once whatever the id's casing", () => {
    const tally = tallyFindingRows([...rows, ...rowsOf(evaluationOf({ id: vaultId("KV-A") }))]);
    expect(tally).toMatchObject({ resources: 2, resourcesRemoved: 0, failuresBySeverity: { High: 1, Medium: 1, Low: 1 } });
    expect(mergeTallies(tally, tally).failuresBySeverity).toEqual({ High: 2, Medium: 2, Low: 2 });
  });

  it("writes one RunSummary row with the counts, the duration and the first errors, and the complete error count", () => {
    const errors = Array.from({ length: 25 }, (_, index) => `subscription ${index} unreadable`);
    const row = buildRunSummaryRow({
      run: RUN,
      startedAt: new Date("2026-11-24T06:00:00Z"),
      finishedAt: new Date("2026-11-24T06:03:30Z"),
      tally: tallyFindingRows(rows),
      errors,
      shards: { total: 4, failed: 1 },
    });
    expect(row).toMatchObject({
      RecordType: "RunSummary",
      RunId: RUN.runId,
      TimeGenerated: "2026-11-24T06:03:30.000Z",
      RunSummary: {
        durationMs: 210_000,
        resourcesEvaluated: 2,
        failuresBySeverity: { High: 1, Medium: 1, Low: 1 },
        errorCount: 25,
        shards: { total: 4, failed: 1 },
      },
    });
    expect((row.RunSummary as { errors: string[] }).errors).toHaveLength(20);
  });
});
