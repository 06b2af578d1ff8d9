/**
 * Validates KQL with Microsoft's own Kusto parser and semantic analyser (@kusto/language-service-next),
 * so a query that names a column the table does not have, calls a function that does not exist or
 * does not parse fails a test here instead of failing silently in an alert rule or a workbook tile.
 */
import { createRequire } from "node:module";
import { FINDINGS_COLUMNS, FINDINGS_TABLE_NAME, type ColumnType } from "../../shared/sink/findingsSchema.js";

/** Kusto scalar type names as they appear in a table schema. */
export const KUSTO_TYPES = ["string", "int", "long", "real", "bool", "datetime", "timespan", "guid", "decimal", "dynamic"] as const;
export type KustoType = (typeof KUSTO_TYPES)[number];

/** Table name → column name → Kusto type name. */
export type KustoTables = Record<string, Record<string, string>>;

const LOG_ANALYTICS_TO_KUSTO: Readonly<Record<ColumnType, KustoType>> = {
  string: "string",
  int: "int",
  long: "long",
  real: "real",
  boolean: "bool",
  datetime: "datetime",
  dynamic: "dynamic",
};

/** The Kusto type a Log Analytics column type is queried as (`boolean` is `bool` in KQL). */
export function kustoTypeOf(columnType: ColumnType): KustoType {
  return LOG_ANALYTICS_TO_KUSTO[columnType];
}

/**
 * Columns Log Analytics adds to every table, custom ones included; queries may use them although
 * vaultwatch never sends them (`_BilledSize` is how the cost queries measure bytes).
 */
export const LOG_ANALYTICS_STANDARD_COLUMNS: Readonly<Record<string, KustoType>> = {
  TenantId: "string",
  Type: "string",
  _ResourceId: "string",
  _SubscriptionId: "string",
  _BilledSize: "real",
  _IsBillable: "string",
};

/** The Kusto schema of `VaultwatchFindings_CL`, derived from the code's row definition. */
export function findingsTableKustoSchema(options: { includeStandardColumns?: boolean } = {}): Record<string, KustoType> {
  const schema: Record<string, KustoType> = {};
  for (const column of FINDINGS_COLUMNS) schema[column.name] = kustoTypeOf(column.type);
  return options.includeStandardColumns === false ? schema : { ...schema, ...LOG_ANALYTICS_STANDARD_COLUMNS };
}

/** The tables the alert and workbook queries may read: the findings table as Log Analytics exposes it. */
export function findingsKustoTables(): KustoTables {
  return { [FINDINGS_TABLE_NAME]: findingsTableKustoSchema() };
}

// The minimal slice of the Bridge.NET-compiled Kusto.Language API this module uses.
interface BridgeList<T> {
  readonly Count: number;
  getItem(index: number): T;
}
interface KustoDiagnostic {
  readonly Code: string;
  readonly Severity: string;
  readonly Message: string;
  readonly Start: number;
  readonly Length: number;
}
interface KustoSymbol {
  readonly __kustoSymbol?: never;
}
interface KustoGlobalState {
  WithDatabase(database: KustoSymbol): KustoGlobalState;
}
interface KustoColumn {
  readonly Name: string;
  readonly Type: { readonly Name: string };
}
interface KustoCode {
  GetDiagnostics(): BridgeList<KustoDiagnostic>;
  readonly ResultType: { readonly Columns?: BridgeList<KustoColumn> } | null;
}
interface KustoLanguage {
  KustoCode: { ParseAndAnalyze(text: string, globals: KustoGlobalState): KustoCode };
  GlobalState: { Default: KustoGlobalState };
  Symbols: {
    ColumnSymbol: new (name: string, type: KustoSymbol) => KustoSymbol;
    TableSymbol: { $ctor4: new (name: string, columns: KustoSymbol[]) => KustoSymbol };
    DatabaseSymbol: { ctor: new (name: string, members: KustoSymbol[]) => KustoSymbol };
    ScalarTypes: Record<"String" | "Int" | "Long" | "Real" | "Bool" | "DateTime" | "TimeSpan" | "Guid" | "Decimal" | "Dynamic", KustoSymbol>;
  };
}

let kustoLanguage: KustoLanguage | undefined;

/** The package is a Bridge.NET build: its runtime (bridge.js) must define the `Bridge` global before the library loads. */
function loadKustoLanguage(): KustoLanguage {
  if (kustoLanguage !== undefined) return kustoLanguage;
  const require = createRequire(import.meta.url);
  require("@kusto/language-service-next/bridge.js");
  require("@kusto/language-service-next/Kusto.Language.Bridge.js");
  const loaded = (globalThis as unknown as { Kusto?: { Language?: KustoLanguage } }).Kusto?.Language;
  if (loaded === undefined) throw new Error("@kusto/language-service-next loaded but did not define the Kusto.Language global");
  kustoLanguage = loaded;
  return loaded;
}

function scalarTypeSymbol(language: KustoLanguage, typeName: string, where: string): KustoSymbol {
  const types = language.Symbols.ScalarTypes;
  switch (typeName.toLowerCase()) {
    case "string":
      return types.String;
    case "int":
      return types.Int;
    case "long":
      return types.Long;
    case "real":
      return types.Real;
    case "bool":
    case "boolean":
      return types.Bool;
    case "datetime":
      return types.DateTime;
    case "timespan":
      return types.TimeSpan;
    case "guid":
      return types.Guid;
    case "decimal":
      return types.Decimal;
    case "dynamic":
      return types.Dynamic;
    default:
      throw new TypeError(`${where} has type "${typeName}", which is not a Kusto type (expected one of ${KUSTO_TYPES.join(", ")})`);
  }
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${line}:${column}`;
}

export interface KqlAnalysis {
  /** One line per error ("KS142 at 3:9 near 'Nope': The name 'Nope' does not refer to …"). */
  readonly errors: string[];
  /** Columns of the query's result, in order, with their Kusto types (empty when the result is not a table). */
  readonly resultColumns: { readonly name: string; readonly type: string }[];
}

/**
 * Parses and analyses `query` against `tables` with the default Kusto function library. Unknown tables,
 * columns and functions, type errors and syntax errors are errors; warnings are not reported.
 */
export function analyzeKql(query: string, tables: KustoTables): KqlAnalysis {
  const language = loadKustoLanguage();
  const symbols = language.Symbols;
  const tableSymbols = Object.entries(tables).map(
    ([tableName, columns]) =>
      new symbols.TableSymbol.$ctor4(
        tableName,
        Object.entries(columns).map(
          ([columnName, typeName]) =>
            new symbols.ColumnSymbol(columnName, scalarTypeSymbol(language, typeName, `column ${tableName}.${columnName}`)),
        ),
      ),
  );
  const globals = language.GlobalState.Default.WithDatabase(new symbols.DatabaseSymbol.ctor("vaultwatch", tableSymbols));
  const code = language.KustoCode.ParseAndAnalyze(query, globals);
  const diagnostics = code.GetDiagnostics();
  const errors: string[] = [];
  for (let index = 0; index < diagnostics.Count; index += 1) {
    const diagnostic = diagnostics.getItem(index);
    if (diagnostic.Severity !== "Error") continue;
    const near = query.slice(diagnostic.Start, diagnostic.Start + Math.max(diagnostic.Length, 1)).trim();
    const location = `at ${lineAndColumn(query, diagnostic.Start)}${near === "" ? "" : ` near '${near}'`}`;
    errors.push(`${diagnostic.Code} ${location}: ${diagnostic.Message}`);
  }
  const resultColumns: { name: string; type: string }[] = [];
  const columns = code.ResultType?.Columns;
  for (let index = 0; columns !== undefined && index < columns.Count; index += 1) {
    const column = columns.getItem(index);
    resultColumns.push({ name: column.Name, type: column.Type.Name });
  }
  return { errors, resultColumns };
}

/** The errors of `analyzeKql`: empty when the query is valid against `tables`. */
export function validateKql(query: string, tables: KustoTables): string[] {
  return analyzeKql(query, tables).errors;
}
