import { describe, expect, it } from "vitest";
import type { FindingRow } from "./findingsSchema.js";
import { FIELD_LIMIT_BYTES, fitRecord, RECORD_LIMIT_BYTES, utf8Bytes } from "./recordLimits.js";

const ROW: FindingRow = {
  TimeGenerated: "2026-11-24T06:00:00.000Z",
  RecordType: "Finding",
  RunId: "run-1",
  Trigger: "sweep",
  AzureResourceId: "/subscriptions/6f2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
  AzureResourceType: "Microsoft.KeyVault/vaults",
  AzureResourceName: "kv",
  AzureSubscriptionId: "6f2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  AzureResourceGroup: "rg",
  AzureLocation: "westeurope",
  ControlId: "VW-NET-005",
  Severity: "High",
  Status: "Fail",
  Transition: "New",
  ToolVersion: "0.1.0",
};

describe("fitting a row to the Logs Ingestion limits", () => {
  it("leaves a row within the limits untouched", () => {
    const fitted = fitRecord({ ...ROW, Reason: "short" });
    expect(fitted.truncatedColumns).toEqual([]);
    expect(fitted.row).toEqual({ ...ROW, Reason: "short" });
  });

  it("cuts a text field above 64 KB visibly, saying how long it was, without splitting a character", () => {
    const reason = "é".repeat(40_000); // 80,000 bytes of two-byte characters
    const fitted = fitRecord({ ...ROW, Reason: reason });
    expect(fitted.truncatedColumns).toEqual(["Reason"]);
    const cut = fitted.row.Reason as string;
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(FIELD_LIMIT_BYTES);
    expect(cut).toMatch(/…\[cut by vaultwatch from 80000 bytes\]$/);
    expect(cut).not.toContain("\uFFFD");
  });

  it("replaces oversized evidence by a marked preview that is still a JSON object", () => {
    const evidence = { ipRules: Array.from({ length: 5_000 }, (_, index) => `10.${index % 250}.0.0/16`) };
    const fitted = fitRecord({ ...ROW, Evidence: evidence });
    expect(fitted.row.Evidence).toMatchObject({ truncated: true, originalBytes: utf8Bytes(JSON.stringify(evidence)) });
    expect(utf8Bytes(JSON.stringify(fitted.row.Evidence))).toBeLessThanOrEqual(FIELD_LIMIT_BYTES);
  });

  it("squeezes the largest fields until the whole record fits one call, never the row's identity", () => {
    const big = "x".repeat(60_000);
    const row = {
      ...ROW,
      Reason: big,
      Remediation: big,
      ControlTitle: big,
      ChangeOperation: big,
      ChangeCallerName: big,
      ChangeCallerRole: big,
      ChangeCallerObjectId: big,
      ChangeClientIp: big,
      ChangeCorrelationId: big,
      EventId: big,
      AzureResourceName: big,
      AzureResourceGroup: big,
      AzureLocation: big,
      AzureResourceType: big,
      Evidence: { text: big },
      ExposurePaths: [big],
    };
    expect(utf8Bytes(JSON.stringify(row))).toBeGreaterThan(RECORD_LIMIT_BYTES);
    const fitted = fitRecord(row);
    expect(utf8Bytes(JSON.stringify(fitted.row))).toBeLessThanOrEqual(RECORD_LIMIT_BYTES);
    expect(fitted.row).toMatchObject({ AzureResourceId: ROW.AzureResourceId, RunId: "run-1", ControlId: "VW-NET-005", Status: "Fail" });
  });
});
