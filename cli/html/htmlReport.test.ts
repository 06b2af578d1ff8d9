import { describe, expect, it } from "vitest";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";
import { renderHtmlReport } from "./htmlReport.js";

const ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";

function row(overrides: Partial<FindingRow>): FindingRow {
  return {
    TimeGenerated: "2026-11-24T06:00:00.000Z",
    RecordType: "Finding",
    RunId: "run",
    Trigger: "sweep",
    AzureResourceId: ID,
    AzureResourceType: "Microsoft.KeyVault/vaults",
    AzureResourceName: "kv",
    AzureSubscriptionId: "00000000-0000-0000-0000-000000000000",
    AzureResourceGroup: "rg",
    AzureLocation: "westeurope",
    ControlId: "VW-DP-001",
    Severity: "High",
    Status: "Fail",
    Transition: "New",
    ToolVersion: "test",
    ...overrides,
  };
}

describe("the HTML report", () => {
  it("escapes every field that comes from the rows, Severity included", () => {
    const html = renderHtmlReport({
      title: "t",
      generatedAt: new Date("2026-11-24T06:00:00Z"),
      latest: [row({ Severity: '<img src=x onerror="alert(1)">' as never, AzureResourceName: "<b>kv</b>", Remediation: "az x '<script>'", ResourceScore: 40 })],
      transitions: [],
    });
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>kv");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
  });

  it("shows – for a resource with no score and leaves it out of the estate mean", () => {
    const html = renderHtmlReport({
      title: "t",
      generatedAt: new Date("2026-11-24T06:00:00Z"),
      latest: [
        row({ Status: "Unknown" }),
        row({ AzureResourceId: `${ID}2`, AzureResourceName: "kv2", ResourceScore: 40 }),
      ],
      transitions: [],
    });
    expect(html).toContain('data-testid="estate-score">40<');
    expect(html).toMatch(/<tr data-testid="resource-row"><td>–<\/td>/);
  });
});
