import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeKql } from "../support/kusto.js";
import { mappedFrameworks } from "../../shared/controls/complianceMappings.js";
import { complianceQuery } from "../../shared/governance/workbookCompliance.js";
import { INFRA_DIR } from "./bicepSource.js";
import { infraKustoTables, placeholders, withParameterValues, workbook, workbookItems, workbookParameterNames } from "./infraKql.js";

const book = workbook();
const items = workbookItems(book);
const queryItems = items.filter((item) => item.type === 3);
const SAMPLE_PARAMETER_VALUES = {
  SelectedResource: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
  Framework: "CIS Azure Foundations v3.0.0",
  // Each filter as the workbook expands "All" (its selectAllValue, quoted).
  Subscription: "'*'",
  ResourceType: "'*'",
  Control: "'*'",
  Severity: "'*'",
  Exposure: "'*'",
  Status: "'*'",
};
/** The filters as the workbook expands a multiple selection: quoted values joined by commas. */
const SELECTED_PARAMETER_VALUES = {
  ...SAMPLE_PARAMETER_VALUES,
  Subscription: "'00000000-0000-0000-0000-000000000000','11111111-1111-1111-1111-111111111111'",
  ResourceType: "'Microsoft.KeyVault/managedHSMs'",
  Control: "'VW-NET-001','VW-DP-001'",
  Severity: "'High'",
  Exposure: "'Internet','PublicRestricted'",
  Status: "'Fail'",
};
const FILTERS = { Subscription: "AzureSubscriptionId", ResourceType: "AzureResourceType", Control: "ControlId", Severity: "Severity", Exposure: "Exposure", Status: "Status" } as const;
/** The health panels describe vaultwatch's own runs, baseline and ingestion, not resources: no resource filter applies. */
const HEALTH_PANELS = ["runs", "ingestion", "baseline-banner"];
/** Event coverage is per subscription: of the filters, only the subscription applies. */
const SUBSCRIPTION_PANELS = ["coverage-by-subscription", "coverage-summary"];
/** The outcome per framework requirement is made from every status: every filter but Status applies. */
const REQUIREMENT_PANELS = ["compliance-by-requirement"];
const parameterItems = items.flatMap((candidate) => candidate.content.parameters ?? []);

function item(name: string) {
  const found = items.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`The workbook has no item named ${name}`);
  return found;
}

function resultColumns(name: string): string[] {
  const query = withParameterValues(item(name).content.query ?? "", SAMPLE_PARAMETER_VALUES);
  return analyzeKql(query, infraKustoTables()).resultColumns.map((column) => column.name);
}

describe("the workbook (workbook/vaultwatch.workbook.json)", () => {
  it("is a Notebook/1.0 workbook whose workspace Bicep fills in", () => {
    expect(book.version).toBe("Notebook/1.0");
    expect(book.fallbackResourceIds).toEqual([]);
    expect(readFileSync(join(INFRA_DIR, "app/workbook.bicep"), "utf8")).toContain("fallbackResourceIds: [\n        workspaceResourceId\n      ]");
  });

  it("has uniquely named items", () => {
    const names = items.map((candidate) => candidate.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(queryItems.map((candidate) => [candidate.name, candidate] as const))(
    "query %s is valid KQL over the findings table once its parameters have values",
    (_name, candidate) => {
      const query = withParameterValues(candidate.content.query ?? "", SAMPLE_PARAMETER_VALUES);
      expect(analyzeKql(query, infraKustoTables()).errors).toEqual([]);
    },
  );

  it.each(queryItems.map((candidate) => [candidate.name, candidate] as const))(
    "query %s is valid KQL with a selection in every filter",
    (_name, candidate) => {
      const query = withParameterValues(candidate.content.query ?? "", SELECTED_PARAMETER_VALUES);
      expect(analyzeKql(query, infraKustoTables()).errors).toEqual([]);
    },
  );

  it("filters every resource panel by subscription, resource type, control, severity, exposure and status, and the coverage panels by subscription", () => {
    const unfiltered: string[] = [];
    for (const candidate of queryItems.filter((panel) => !HEALTH_PANELS.includes(panel.name))) {
      const { Status: _status, ...allButStatus } = FILTERS;
      const applicable = SUBSCRIPTION_PANELS.includes(candidate.name)
        ? { Subscription: FILTERS.Subscription }
        : REQUIREMENT_PANELS.includes(candidate.name)
          ? allButStatus
          : FILTERS;
      for (const [parameter, column] of Object.entries(applicable)) {
        const applied = new RegExp(`\\('\\*' in \\(\\{${parameter}\\}\\) or ${column} in~? \\(\\{${parameter}\\}\\)\\)`);
        if (!applied.test(candidate.content.query ?? "")) unfiltered.push(`${candidate.name} ignores ${parameter}`);
      }
    }
    expect(unfiltered).toEqual([]);
  });

  it("offers each filter as a multiple choice that starts at All, its choices read from the findings table or listed", () => {
    for (const name of Object.keys(FILTERS)) {
      const parameter = parameterItems.find((candidate) => candidate.name === name);
      expect(parameter, name).toMatchObject({ type: 2, multiSelect: true, quote: "'", defaultValue: "value::all", typeSettings: { selectAllValue: "*" } });
      expect(parameter?.typeSettings?.additionalResourceOptions).toContain("value::all");
      if (parameter?.query !== undefined) expect(analyzeKql(parameter.query, infraKustoTables()).errors, name).toEqual([]);
    }
  });

  it("every query runs on the Log Analytics workspace", () => {
    expect(queryItems.filter((candidate) => candidate.content.resourceType !== "microsoft.operationalinsights/workspaces").map((candidate) => candidate.name)).toEqual([]);
  });

  it("every parameter a query uses is declared, and every sample value matches one", () => {
    const declared = workbookParameterNames(book);
    const used = queryItems.flatMap((candidate) => placeholders(candidate.content.query ?? ""));
    expect(used.filter((name) => !declared.includes(name))).toEqual([]);
    expect(Object.keys(SAMPLE_PARAMETER_VALUES).filter((name) => !declared.includes(name))).toEqual([]);
  });

  it("current-state panels use the latest row per resource and control and drop deleted resources", () => {
    for (const name of ["estate-score-now", "failures-by-control", "resources-ranked", "kinds-summary", "waivers"]) {
      const query = item(name).content.query ?? "";
      expect(query, name).toContain("summarize arg_max(TimeGenerated, *) by AzureResourceId, ControlId");
      expect(query, name).toContain('where Status != "Removed"');
    }
  });

  it("shows the estate score now and its trend over the chosen time range", () => {
    expect(item("estate-score-now").content.visualization).toBe("tiles");
    expect(resultColumns("estate-score-now")).toEqual(["Metric", "Value"]);
    expect(item("estate-score-trend").content).toMatchObject({ visualization: "timechart", timeContextFromParameter: "TimeRange" });
    expect(resultColumns("estate-score-trend")).toEqual(["Period", "EstateScore"]);
  });

  it("shows failures by control and severity", () => {
    expect(resultColumns("failures-by-control")).toEqual(["ControlId", "ControlTitle", "Severity", "Resources"]);
    expect(resultColumns("failures-by-severity")).toEqual(["Severity", "Failures"]);
  });

  it("ranks resources by score and drills down from the selected one to its findings and remediation", () => {
    const ranking = item("resources-ranked");
    expect(ranking.content).toMatchObject({ exportFieldName: "AzureResourceId", exportParameterName: "SelectedResource" });
    expect(resultColumns("resources-ranked")).toEqual(expect.arrayContaining(["AzureResourceName", "ResourceScore", "AzureResourceId"]));
    expect(ranking.content.query).toMatch(/order by ResourceScore asc/);

    const findings = item("resource-findings");
    expect(findings.content.query).toContain("AzureResourceId == '{SelectedResource}'");
    expect(findings.conditionalVisibility).toMatchObject({ parameterName: "SelectedResource" });
    expect(resultColumns("resource-findings")).toEqual(expect.arrayContaining(["ControlId", "Status", "Reason", "Remediation", "Evidence"]));
  });

  it("shows transitions over time without counting replayed uploads twice", () => {
    const chart = item("transitions-chart");
    expect(chart.content).toMatchObject({ visualization: "timechart", timeContextFromParameter: "TimeRange" });
    expect(chart.content.query).toContain("distinct TimeGenerated, RunId, AzureResourceId, ControlId, Transition");
    expect(resultColumns("transitions-recent")).toEqual(expect.arrayContaining(["Transition", "ChangeCallerName", "ChangeCorrelationId"]));
  });

  it("puts Managed HSMs and vaults side by side", () => {
    expect(resultColumns("kinds-summary")).toEqual(["Kind", "Resources", "AverageScore", "WithHighFailures", "InternetExposed", "PrivateOrClosed"]);
    expect(resultColumns("kinds-failures")).toEqual(["ControlId", "Kind", "Resources"]);
  });

  it("lists waivers by source with approver, ticket, exemption category and expiry, expired ones marked, soonest first", () => {
    expect(resultColumns("waivers")).toEqual(
      expect.arrayContaining(["ControlId", "Source", "ApprovedBy", "Ticket", "ExemptionCategory", "ExemptionName", "Expiry", "Expired", "DaysLeft"]),
    );
    expect(item("waivers").content.query).toContain("order by Expiry asc");
  });

  it("summarises a chosen framework by requirement, from the catalog's mappings as npm run generate writes them", () => {
    expect(item("compliance-by-requirement").content.query).toBe(complianceQuery());
    expect(resultColumns("compliance-by-requirement")).toEqual(["Requirement", "Passing", "Failing", "Waived", "Unknown"]);
    const framework = item("compliance-parameters").content.parameters?.find((parameter) => parameter.name === "Framework") as { jsonData?: string } | undefined;
    expect(JSON.parse(framework?.jsonData ?? "[]")).toEqual(mappedFrameworks());
  });

  it("shows completed sweeps and the rows and bytes vaultwatch ingests per day", () => {
    expect(resultColumns("runs")).toEqual(expect.arrayContaining(["RunId", "Resources", "Errors", "DurationMs"]));
    expect(resultColumns("ingestion")).toEqual(["Day", "Rows", "BilledBytes", "Resources", "BytesPerResource"]);
  });
});
