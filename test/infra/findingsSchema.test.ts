import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FINDINGS_COLUMNS, FINDINGS_STREAM_NAME, FINDINGS_TABLE_NAME, type ColumnType } from "../../shared/sink/findingsSchema.js";
import { INFRA_DIR } from "./bicepSource.js";

interface GeneratedColumn {
  readonly name: string;
  readonly type: string;
  readonly description?: string;
}

function readColumns(file: string): GeneratedColumn[] {
  return JSON.parse(readFileSync(join(INFRA_DIR, "generated", file), "utf8")) as GeneratedColumn[];
}

const tableColumns = readColumns("findings-table.columns.json");
const streamColumns = readColumns("findings-stream.columns.json");

/** `ColumnTypeEnum` of the Log Analytics Tables API (2022-10-01). */
const TABLE_TYPES = ["string", "int", "long", "real", "boolean", "dateTime", "guid", "dynamic"];
/** `KnownColumnDefinitionType` of a DCR stream declaration (2023-03-11). */
const STREAM_TYPES = ["string", "int", "long", "real", "boolean", "datetime", "dynamic"];
/** How a code column type is spelled in each place; only datetime differs. */
const TABLE_TYPE_OF: Readonly<Record<ColumnType, string>> = {
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  boolean: "boolean",
  datetime: "dateTime",
  dynamic: "dynamic",
};

describe("the findings table, the DCR stream and the code's row schema", () => {
  it("the table has the code's columns, in the code's order", () => {
    expect(tableColumns.map((column) => column.name)).toEqual(FINDINGS_COLUMNS.map((column) => column.name));
  });

  it("the stream declares the code's columns, in the code's order", () => {
    expect(streamColumns.map((column) => column.name)).toEqual(FINDINGS_COLUMNS.map((column) => column.name));
  });

  it("each table column has the Tables API type of the code's type, and its description", () => {
    const mismatches = FINDINGS_COLUMNS.flatMap((column, index) => {
      const table = tableColumns[index];
      if (table?.type !== TABLE_TYPE_OF[column.type]) return [`${column.name}: table says ${table?.type}, code says ${column.type}`];
      if (table.description !== column.description) return [`${column.name}: description differs`];
      return [];
    });
    expect(mismatches).toEqual([]);
  });

  it("each stream column has exactly the code's type", () => {
    const mismatches = FINDINGS_COLUMNS.flatMap((column, index) =>
      streamColumns[index]?.type === column.type ? [] : [`${column.name}: stream says ${streamColumns[index]?.type}, code says ${column.type}`],
    );
    expect(mismatches).toEqual([]);
  });

  it("uses only types the Tables API and the DCR accept", () => {
    expect(tableColumns.filter((column) => !TABLE_TYPES.includes(column.type))).toEqual([]);
    expect(streamColumns.filter((column) => !STREAM_TYPES.includes(column.type))).toEqual([]);
  });

  it("table and stream agree with each other column for column", () => {
    const pairs = tableColumns.map((column, index) => [column.name, column.type.toLowerCase(), streamColumns[index]?.name, streamColumns[index]?.type]);
    expect(pairs.filter(([tableName, tableType, streamName, streamType]) => tableName !== streamName || tableType !== streamType)).toEqual([]);
  });

  it("starts with a TimeGenerated datetime, which a DCR-based custom table requires", () => {
    expect(tableColumns[0]).toMatchObject({ name: "TimeGenerated", type: "dateTime" });
    expect(streamColumns[0]).toEqual({ name: "TimeGenerated", type: "datetime" });
  });

  it("the Bicep creates the code's table and stream names and routes the stream to that table unchanged", () => {
    const table = readFileSync(join(INFRA_DIR, "app/findings-table.bicep"), "utf8");
    const ingestion = readFileSync(join(INFRA_DIR, "app/findings-ingestion.bicep"), "utf8");
    expect(table).toContain(`name: '${FINDINGS_TABLE_NAME}'`);
    expect(ingestion).toContain(`var streamName = '${FINDINGS_STREAM_NAME}'`);
    expect(ingestion).toContain("outputStream: 'Custom-${tableName}'");
    expect(ingestion).toContain("transformKql: 'source'");
    expect(ingestion).toContain("kind: 'Direct'");
  });
});
