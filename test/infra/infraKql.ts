/**
 * What the infra KQL runs against, for validation: the findings table as the code defines it, plus the
 * few Application Insights tables the delivery alert reads (workspace-based schema, columns as listed at
 * https://learn.microsoft.com/azure/azure-monitor/reference/tables/apptraces; only those the queries use).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { findingsKustoTables, type KustoTables } from "../support/kusto.js";
import { INFRA_DIR, filesUnder } from "./bicepSource.js";

export const APPLICATION_INSIGHTS_TABLES: KustoTables = {
  AppTraces: {
    TimeGenerated: "datetime",
    Message: "string",
    SeverityLevel: "int",
    AppRoleName: "string",
    OperationName: "string",
    Properties: "dynamic",
    _ResourceId: "string",
  },
};

export function infraKustoTables(): KustoTables {
  return { ...findingsKustoTables(), ...APPLICATION_INSIGHTS_TABLES };
}

export interface AlertRule {
  readonly name: string;
  readonly query: string;
  readonly displayName: string;
  readonly description: string;
  readonly severity: number;
  readonly evaluationFrequency: string;
  readonly windowInSweepIntervals: number;
  readonly operator: string;
  readonly threshold: number;
  readonly dimensions: readonly string[];
}

export function alertRules(): AlertRule[] {
  return JSON.parse(readFileSync(join(INFRA_DIR, "alerts/alert-rules.json"), "utf8")) as AlertRule[];
}

export function alertQueryFiles(): string[] {
  return filesUnder(join(INFRA_DIR, "alerts"), ".kql");
}

export function alertQuery(file: string): string {
  return readFileSync(join(INFRA_DIR, "alerts", file), "utf8");
}

/** ISO 8601 durations of the forms the rules use (PT15M, PT1H, P2D, PT36H) in minutes. */
export function isoDurationMinutes(duration: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
  if (match === null || duration === "P" || duration.endsWith("T")) throw new RangeError(`Not an ISO 8601 duration this test understands: ${duration}`);
  const [, days = "0", hours = "0", minutes = "0"] = match;
  return Number(days) * 1440 + Number(hours) * 60 + Number(minutes);
}

// Workbook content ---------------------------------------------------------------------------------------

interface WorkbookItem {
  readonly type: number;
  readonly name: string;
  readonly content: {
    readonly query?: string;
    readonly items?: readonly WorkbookItem[];
    readonly parameters?: readonly {
      readonly name: string;
      readonly type: number;
      readonly query?: string;
      readonly multiSelect?: boolean;
      readonly quote?: string;
      readonly defaultValue?: string;
      readonly typeSettings?: { readonly selectAllValue?: string; readonly additionalResourceOptions?: readonly string[] };
    }[];
    readonly [key: string]: unknown;
  };
  readonly conditionalVisibility?: { readonly parameterName: string };
  readonly [key: string]: unknown;
}

export interface Workbook {
  readonly version: string;
  readonly items: readonly WorkbookItem[];
  readonly fallbackResourceIds: readonly string[];
}

export function workbook(): Workbook {
  return JSON.parse(readFileSync(join(INFRA_DIR, "workbook/vaultwatch.workbook.json"), "utf8")) as Workbook;
}

/** Every item of the workbook, groups flattened. */
export function workbookItems(book: Workbook = workbook()): WorkbookItem[] {
  const flat: WorkbookItem[] = [];
  const visit = (items: readonly WorkbookItem[]) => {
    for (const item of items) {
      flat.push(item);
      if (item.content.items !== undefined) visit(item.content.items);
    }
  };
  visit(book.items);
  return flat;
}

export function workbookParameterNames(book: Workbook = workbook()): string[] {
  return workbookItems(book).flatMap((item) => item.content.parameters?.map((parameter) => parameter.name) ?? []);
}

/** `{Name}` and `{Name:format}` placeholders the workbook substitutes before running a query. */
export function placeholders(query: string): string[] {
  return [...query.matchAll(/\{([A-Za-z][A-Za-z0-9_]*)(?::[A-Za-z]+)?\}/g)].map((match) => match[1] as string);
}

/** The query as the workbook runs it once its parameters have values. */
export function withParameterValues(query: string, values: Readonly<Record<string, string>>): string {
  return query.replace(/\{([A-Za-z][A-Za-z0-9_]*)(?::[A-Za-z]+)?\}/g, (whole, name: string) => values[name] ?? whole);
}
