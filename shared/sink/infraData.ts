import { columnListProblems, FINDINGS_COLUMNS, streamColumns, tableColumns } from "./findingsSchema.js";

/** A data file Bicep loads, with its path relative to the repository root. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

export const TABLE_COLUMNS_FILE = "infra/generated/findings-table.columns.json";
export const STREAM_COLUMNS_FILE = "infra/generated/findings-stream.columns.json";

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * The files `npm run generate` writes, exactly as it writes them: the custom table's columns (Tables API
 * types) and the DCR stream declaration (DCR types), both from the one row schema. Throws when the schema
 * itself would be refused by Log Analytics.
 */
export function generatedInfraFiles(): GeneratedFile[] {
  const problems = columnListProblems(FINDINGS_COLUMNS);
  if (problems.length > 0) throw new Error(`The findings row schema is not a valid Log Analytics table:\n${problems.join("\n")}`);
  return [
    { path: TABLE_COLUMNS_FILE, content: json(tableColumns()) },
    { path: STREAM_COLUMNS_FILE, content: json(streamColumns()) },
  ];
}
