import { describe, expect, it } from "vitest";
import {
  columnListProblems,
  columnNameProblem,
  FINDINGS_COLUMNS,
  streamColumns,
  tableColumns,
  type ColumnDefinition,
} from "./findingsSchema.js";

describe("the findings row schema", () => {
  it("is a table Log Analytics accepts: valid, unique, unreserved names and a datetime TimeGenerated", () => {
    expect(columnListProblems(FINDINGS_COLUMNS)).toEqual([]);
  });

  it("refuses the names Log Analytics reserves, whatever their casing", () => {
    for (const name of ["TenantId", "type", "ResourceId", "RESOURCENAME", "resourcetype", "SubscriptionId", "Resource", "_ResourceId"]) {
      expect(columnNameProblem(name), name).toBeDefined();
    }
  });

  it("refuses names that do not start with a letter, hold other characters or pass 45 characters", () => {
    expect(columnNameProblem("1Status")).toBe("does not start with a letter");
    expect(columnNameProblem("Control Id")).toMatch(/characters other than/);
    expect(columnNameProblem("Control-Id")).toMatch(/characters other than/);
    expect(columnNameProblem("A".repeat(46))).toMatch(/limit is 45/);
    expect(columnNameProblem("A".repeat(45))).toBeUndefined();
  });

  it("names every problem of a bad column list", () => {
    const columns: ColumnDefinition[] = [
      { name: "TimeGenerated", type: "string", description: "" },
      { name: "Type", type: "string", description: "" },
      { name: "Status", type: "string", description: "" },
      { name: "status", type: "string", description: "" },
    ];
    expect(columnListProblems(columns)).toEqual([
      'Column "Type" is reserved by Log Analytics.',
      'Column "status" is declared twice (names compare case-insensitively).',
      'Column "TimeGenerated" must be of type datetime.',
    ]);
  });

  it("spells datetime as the Tables API does (dateTime) for the table and as DCRs do (datetime) for the stream", () => {
    const table = tableColumns();
    const stream = streamColumns();
    expect(table.find((column) => column.name === "TimeGenerated")?.type).toBe("dateTime");
    expect(stream.find((column) => column.name === "TimeGenerated")?.type).toBe("datetime");
    expect(table.map((column) => column.name)).toEqual(stream.map((column) => column.name));
    expect(stream.find((column) => column.name === "Evidence")).toEqual({ name: "Evidence", type: "dynamic" });
  });
});
