/**
 * The workbook's compliance view, generated from the catalog's mappings (never typed by hand): `npm run generate`
 * writes the query and the framework list into infra/workbook/vaultwatch.workbook.json, and a test fails when the
 * committed workbook differs.
 */
import { CONTROLS } from "../controls/catalog.js";
import { mappedFrameworks, mappingsOf } from "../controls/complianceMappings.js";

export const WORKBOOK_FILE = "infra/workbook/vaultwatch.workbook.json";
export const COMPLIANCE_QUERY_ITEM = "compliance-by-requirement";
export const FRAMEWORK_PARAMETER_ITEM = "compliance-parameters";
export const DEFAULT_FRAMEWORK = "Microsoft cloud security benchmark";

const kql = (text: string): string => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/** Resources passing, failing, waived and unknown per requirement of the selected framework (same rule as the CLI). */
export function complianceQuery(): string {
  const rows = CONTROLS.flatMap((control) => mappingsOf(control).map((mapping) => `${kql(mapping.framework)}, ${kql(mapping.requirement)}, ${kql(control.id)}`));
  return [
    "let Mappings = datatable(Framework: string, Requirement: string, ControlId: string) [",
    ...rows.map((row, index) => `  ${row}${index === rows.length - 1 ? "" : ","}`),
    "];",
    "VaultwatchFindings_CL",
    '| where RecordType == "Finding"',
    "| summarize arg_max(TimeGenerated, *) by AzureResourceId, ControlId",
    '| where Status != "Removed"',
    // The workbook's resource filters; not Status, since the outcome per requirement is made from every status.
    "| where ('*' in ({Subscription}) or AzureSubscriptionId in~ ({Subscription})) and ('*' in ({ResourceType}) or AzureResourceType in~ ({ResourceType})) and ('*' in ({Control}) or ControlId in ({Control})) and ('*' in ({Severity}) or Severity in ({Severity})) and ('*' in ({Exposure}) or Exposure in ({Exposure}))",
    "| join kind=inner (Mappings | where Framework == '{Framework}') on ControlId",
    "| summarize Statuses = make_set(Status) by Requirement, AzureResourceId",
    '| extend Outcome = case(set_has_element(Statuses, "Fail"), "failing", set_has_element(Statuses, "Unknown"), "unknown", set_has_element(Statuses, "Waived"), "waived", set_has_element(Statuses, "Pass"), "passing", "")',
    "| where isnotempty(Outcome)",
    '| summarize Passing = countif(Outcome == "passing"), Failing = countif(Outcome == "failing"), Waived = countif(Outcome == "waived"), Unknown = countif(Outcome == "unknown") by Requirement',
    "| order by Requirement asc",
  ].join("\n");
}

type WorkbookItem = { type: number; name: string; content: Record<string, unknown> };

/** The compliance group: a framework picker and the summary by requirement. */
export function complianceSection(): WorkbookItem {
  return {
    type: 12,
    content: {
      version: "NotebookGroup/1.0",
      groupType: "editable",
      title: "Compliance by framework requirement",
      items: [
        {
          type: 9,
          content: {
            version: "KqlParameterItem/1.0",
            parameters: [
              {
                id: "5b0a6d63-53c1-4f43-9b52-2f1c4d1e7a10",
                version: "KqlParameterItem/1.0",
                name: "Framework",
                label: "Framework",
                type: 2,
                isRequired: true,
                value: DEFAULT_FRAMEWORK,
                jsonData: JSON.stringify(mappedFrameworks()),
              },
            ],
            style: "pills",
            queryType: 0,
            resourceType: "microsoft.operationalinsights/workspaces",
          },
          name: FRAMEWORK_PARAMETER_ITEM,
        },
        {
          type: 3,
          content: {
            version: "KqlItem/1.0",
            query: complianceQuery(),
            size: 0,
            title: "Resources passing, failing, waived and unknown for each requirement the catalog maps",
            queryType: 0,
            resourceType: "microsoft.operationalinsights/workspaces",
            visualization: "table",
            timeContext: { durationMs: 86400000 },
          },
          name: COMPLIANCE_QUERY_ITEM,
        },
      ],
    },
    name: "compliance-section",
  };
}

/** The workbook with its compliance section replaced (or added after the waivers section). */
export function withComplianceSection(workbookText: string): string {
  const book = JSON.parse(workbookText) as { items: WorkbookItem[] };
  const section = complianceSection();
  const at = book.items.findIndex((item) => item.name === section.name);
  if (at >= 0) book.items[at] = section;
  else {
    const waivers = book.items.findIndex((item) => item.name === "waivers-section");
    book.items.splice(waivers >= 0 ? waivers + 1 : book.items.length, 0, section);
  }
  return `${JSON.stringify(book, null, 2)}\n`;
}
