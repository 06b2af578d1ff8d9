import { describe, expect, it } from "vitest";
import { FINDINGS_COLUMNS, FINDINGS_TABLE_NAME, type ColumnType } from "../../shared/sink/findingsSchema.js";
import { analyzeKql, findingsKustoTables, findingsTableKustoSchema, kustoTypeOf, validateKql } from "./kusto.js";

const tables = findingsKustoTables();

describe("validateKql", () => {
  it("accepts a latest-state query over the findings table", () => {
    const query = `${FINDINGS_TABLE_NAME}
| where TimeGenerated > ago(1d) and RecordType == "Finding"
| summarize arg_max(TimeGenerated, *) by AzureResourceId, ControlId
| where Status != "Removed"
| extend rule = tostring(Evidence.rule)
| project AzureResourceId, ControlId, Status, ResourceScore, rule`;
    expect(validateKql(query, tables)).toEqual([]);
  });

  it("reports a column the table does not have, with its position", () => {
    const errors = validateKql(`${FINDINGS_TABLE_NAME}\n| where  Nope == 1`, tables);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^KS142 at 2:10 near 'Nope': .*'Nope'/);
  });

  it("reports an unknown table", () => {
    expect(validateKql("NotATable | count", tables).join("\n")).toContain("'NotATable'");
  });

  it("reports an unknown function", () => {
    expect(validateKql(`${FINDINGS_TABLE_NAME} | extend x = no_such_function(Status)`, tables).join("\n")).toContain(
      "no_such_function",
    );
  });

  it("reports a syntax error", () => {
    expect(validateKql(`${FINDINGS_TABLE_NAME} | where Status ==`, tables)).not.toEqual([]);
  });

  it("reports an operator applied to the wrong column type", () => {
    expect(validateKql(`${FINDINGS_TABLE_NAME} | where ResourceScore contains "x"`, tables)).not.toEqual([]);
  });

  it("validates queries against any tables the caller describes, such as Resource Graph's", () => {
    const resourceGraph = { Resources: { id: "string", type: "string", properties: "dynamic", subscriptionId: "string" } };
    const query = `Resources
| where type in~ ('microsoft.keyvault/vaults', 'microsoft.keyvault/managedhsms')
| where properties.networkAcls.defaultAction == 'Allow'
| project id, subscriptionId, properties
| order by id asc`;
    expect(validateKql(query, resourceGraph)).toEqual([]);
    expect(validateKql("Resources | project id, tenantId", resourceGraph).join("\n")).toContain("tenantId");
  });

  it("names the columns and types of the query's result", () => {
    const analysis = analyzeKql(`${FINDINGS_TABLE_NAME} | summarize Failures = countif(Status == "Fail") by ControlId`, tables);
    expect(analysis.errors).toEqual([]);
    expect(analysis.resultColumns).toEqual([
      { name: "ControlId", type: "string" },
      { name: "Failures", type: "long" },
    ]);
  });

  it("refuses a table description whose type is not a Kusto type", () => {
    expect(() => validateKql("T | count", { T: { a: "varchar" } })).toThrow(/column T\.a has type "varchar"/);
  });
});

const KUSTO_TYPE_OF_LOG_ANALYTICS_TYPE: Record<ColumnType, string> = {
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  boolean: "bool",
  datetime: "datetime",
  dynamic: "dynamic",
};

describe("findingsTableKustoSchema", () => {
  it("has every column of the code's row schema, with Log Analytics boolean mapped to Kusto bool", () => {
    const schema = findingsTableKustoSchema({ includeStandardColumns: false });
    expect(Object.keys(schema)).toEqual(FINDINGS_COLUMNS.map((column) => column.name));
    for (const column of FINDINGS_COLUMNS) {
      expect(schema[column.name]).toBe(KUSTO_TYPE_OF_LOG_ANALYTICS_TYPE[column.type]);
    }
  });

  it("maps every Log Analytics column type to the Kusto type queries see", () => {
    for (const [logAnalyticsType, kustoType] of Object.entries(KUSTO_TYPE_OF_LOG_ANALYTICS_TYPE)) {
      expect(kustoTypeOf(logAnalyticsType as ColumnType)).toBe(kustoType);
    }
  });

  it("adds the columns Log Analytics puts on every table", () => {
    expect(findingsTableKustoSchema()).toMatchObject({ _BilledSize: "real", Type: "string", _ResourceId: "string" });
  });
});
