import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { columnNameProblem, FINDINGS_COLUMNS } from "../../shared/sink/findingsSchema.js";
import { generatedInfraFiles, STREAM_COLUMNS_FILE, TABLE_COLUMNS_FILE } from "../../shared/sink/infraData.js";

const ROOT = new URL("../../", import.meta.url);

function committed(path: string): string {
  return readFileSync(new URL(path, ROOT), "utf8");
}

describe("the data files infra loads", () => {
  it.each(generatedInfraFiles().map((file) => [file.path, file.content] as const))(
    "%s equals what the code's row schema generates (run `npm run generate` after changing the schema)",
    (path, expected) => {
      expect(committed(path)).toBe(expected);
    },
  );

  it("gives the table only valid, unreserved column names, TimeGenerated among them, in the Tables API's types", () => {
    const columns = JSON.parse(committed(TABLE_COLUMNS_FILE)) as { name: string; type: string; description: string }[];
    expect(columns.map((column) => [column.name, columnNameProblem(column.name)]).filter(([, problem]) => problem !== undefined)).toEqual([]);
    expect(columns).toContainEqual(expect.objectContaining({ name: "TimeGenerated", type: "dateTime" }));
    const tableTypes = ["string", "int", "long", "real", "boolean", "dateTime", "guid", "dynamic"];
    expect(columns.filter((column) => !tableTypes.includes(column.type))).toEqual([]);
    expect(columns.every((column) => column.description.length > 0)).toBe(true);
  });

  it("declares in the stream exactly the columns of the table, in DCR types", () => {
    const stream = JSON.parse(committed(STREAM_COLUMNS_FILE)) as { name: string; type: string }[];
    const table = JSON.parse(committed(TABLE_COLUMNS_FILE)) as { name: string }[];
    expect(stream.map((column) => column.name)).toEqual(table.map((column) => column.name));
    expect(stream.map((column) => column.name)).toEqual(FINDINGS_COLUMNS.map((column) => column.name));
    const dcrTypes = ["string", "int", "long", "real", "boolean", "datetime", "dynamic"];
    expect(stream.filter((column) => !dcrTypes.includes(column.type))).toEqual([]);
  });
});
