/**
 * The one definition of a vaultwatch row in Log Analytics (custom table `VaultwatchFindings_CL`).
 * The table columns and the DCR stream declaration in infra/generated/ are generated from this list
 * (`npm run generate`); a test fails when they are stale. Keep rows lean: Log Analytics bills ingested bytes.
 */
import type { ControlId, Severity, Status } from "../model/finding.js";

/** Column types as the DCR stream declaration spells them (`KnownColumnDefinitionType`). */
export type ColumnType = "string" | "int" | "long" | "real" | "boolean" | "datetime" | "dynamic";

/** Column types as the Log Analytics Tables API spells them (`ColumnTypeEnum`): only datetime differs. */
export type TableColumnType = Exclude<ColumnType, "datetime"> | "dateTime";

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
}

export const FINDINGS_TABLE_NAME = "VaultwatchFindings_CL";
export const FINDINGS_STREAM_NAME = "Custom-VaultwatchFindings";

export const FINDINGS_COLUMNS = [
  { name: "TimeGenerated", type: "datetime", description: "When the observation behind the row was made (read time of the resource, or of the deletion)." },
  { name: "RecordType", type: "string", description: "Finding; RunSummary for the one row a sweep writes when it ends; Coverage for the row a sweep writes per subscription in scope (event wiring and last event)." },
  { name: "RunId", type: "string", description: "Sweep or event run that produced the row; replays of the same run share it, so duplicates collapse on RunId, AzureResourceId and ControlId." },
  { name: "Trigger", type: "string", description: "sweep, event or cli." },
  { name: "AzureResourceId", type: "string", description: "ARM id of the vault or Managed HSM." },
  { name: "AzureResourceType", type: "string", description: "Microsoft.KeyVault/vaults or Microsoft.KeyVault/managedHSMs." },
  { name: "AzureResourceName", type: "string", description: "Name of the vault or HSM." },
  { name: "AzureSubscriptionId", type: "string", description: "Subscription of the resource." },
  { name: "AzureResourceGroup", type: "string", description: "Resource group of the resource." },
  { name: "AzureLocation", type: "string", description: "Region of the resource." },
  { name: "ControlId", type: "string", description: "Control from the vaultwatch catalog, e.g. VW-NET-001." },
  { name: "ControlTitle", type: "string", description: "Title of the control; only on rows that are not passing or that change status." },
  { name: "Severity", type: "string", description: "High, Medium or Low." },
  { name: "Status", type: "string", description: "Pass, Fail, NotApplicable, Unknown, Waived, or Removed when the resource was deleted." },
  { name: "PreviousStatus", type: "string", description: "Status at the previous applied observation; empty for the first." },
  { name: "Transition", type: "string", description: "New (started failing), Resolved (stopped failing), Unchanged, Removed, or Baseline (first seen by a sweep before the first full sweep completed: there before vaultwatch looked)." },
  { name: "Reason", type: "string", description: "Why the control has this status; only on rows that are not passing or that change status." },
  { name: "Evidence", type: "dynamic", description: "What was seen; only on rows that are not passing." },
  { name: "Remediation", type: "string", description: "The commands that fix the failure, one per line, names shell-quoted; only on failing rows." },
  { name: "ResourceScore", type: "int", description: "0-100 posture score of the resource; absent when no control could be judged (none is Pass, Waived or Fail)." },
  { name: "WaiverExpiry", type: "datetime", description: "End of the waiver that covers the control, if any." },
  { name: "Exposure", type: "string", description: "Effective network exposure: Internet, PublicRestricted, TrustedServicesOnly, PrivateOnly, Perimeter, Unreachable, Unknown." },
  { name: "PreviousExposure", type: "string", description: "Exposure at the previous applied observation; empty for the first." },
  { name: "ExposurePaths", type: "dynamic", description: "The paths that admit traffic (IP rules, subnets, private endpoints, trusted services); only on rows that are not passing or when the exposure changed." },
  { name: "EventId", type: "string", description: "Event Grid event id, when an event caused the evaluation." },
  { name: "EventTime", type: "datetime", description: "Time of that event." },
  { name: "ChangeOperation", type: "string", description: "ARM operation reported by the event (data.operationName)." },
  { name: "ChangeCallerObjectId", type: "string", description: "Object id of the caller, as Event Grid reports it." },
  { name: "ChangeCallerName", type: "string", description: "User principal name or application id of the caller, where the event carries one." },
  { name: "ChangeCallerRole", type: "string", description: "Role evidence from data.authorization." },
  { name: "ChangeClientIp", type: "string", description: "Client IP address, where reported." },
  { name: "ChangeCorrelationId", type: "string", description: "Correlation id linking to the Activity Log." },
  { name: "RunSummary", type: "dynamic", description: "On RunSummary rows: resources, failures by severity, duration, errors." },
  { name: "EventWiring", type: "string", description: "On Coverage rows: Wired (a system topic of the subscription carries this deployment's event delivery identity), NotWired, TopicWithoutIdentity or Unknown (the topics could not be read)." },
  { name: "EventTopicId", type: "string", description: "On Coverage rows: the system topic that decided EventWiring." },
  { name: "LastEventTime", type: "datetime", description: "On Coverage rows: when the last resource-change event from the subscription reached vaultwatch; empty when none has." },
  { name: "ToolVersion", type: "string", description: "vaultwatch version." },
] as const satisfies readonly ColumnDefinition[];

export type FindingsColumnName = (typeof FINDINGS_COLUMNS)[number]["name"];

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The JSON value a column carries in the upload body: datetimes travel as ISO 8601 strings. */
type ValueOfColumn<T extends ColumnType> = T extends "string" | "datetime"
  ? string
  : T extends "int" | "long" | "real"
    ? number
    : T extends "boolean"
      ? boolean
      : JsonValue;

/** Any record of the table; an absent column stays absent (cheaper than null, and queries read both as empty). */
export type FindingsRecord = {
  readonly [C in (typeof FINDINGS_COLUMNS)[number] as C["name"]]?: ValueOfColumn<C["type"]>;
};

export const RECORD_TYPES = ["Finding", "RunSummary", "Coverage"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const RUN_TRIGGERS = ["sweep", "event", "cli"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export const TRANSITIONS = ["New", "Resolved", "Unchanged", "Removed", "Baseline"] as const;
export type Transition = (typeof TRANSITIONS)[number];

/** A finding's status, or `Removed` on the rows written when the resource is deleted. */
export type RowStatus = Status | "Removed";

export interface FindingRow extends FindingsRecord {
  readonly TimeGenerated: string;
  readonly RecordType: "Finding";
  readonly RunId: string;
  readonly Trigger: RunTrigger;
  readonly AzureResourceId: string;
  readonly AzureResourceType: string;
  readonly AzureResourceName: string;
  readonly AzureSubscriptionId: string;
  readonly AzureResourceGroup: string;
  readonly AzureLocation: string;
  readonly ControlId: ControlId;
  readonly Severity: Severity;
  readonly Status: RowStatus;
  readonly PreviousStatus?: RowStatus;
  readonly Transition: Transition;
  readonly ToolVersion: string;
}

export interface RunSummaryRow extends FindingsRecord {
  readonly TimeGenerated: string;
  readonly RecordType: "RunSummary";
  readonly RunId: string;
  readonly Trigger: RunTrigger;
  readonly RunSummary: JsonValue;
  readonly ToolVersion: string;
}

/** One subscription in a sweep's scope: whether its resource-change events reach this deployment. */
export interface CoverageRow extends FindingsRecord {
  readonly TimeGenerated: string;
  readonly RecordType: "Coverage";
  readonly RunId: string;
  readonly Trigger: RunTrigger;
  readonly AzureSubscriptionId: string;
  readonly EventWiring: "Wired" | "NotWired" | "TopicWithoutIdentity" | "Unknown";
  readonly ToolVersion: string;
}

export type FindingsRow = FindingRow | RunSummaryRow | CoverageRow;

/**
 * Names Log Analytics refuses or keeps for itself in a custom table (compared case-insensitively):
 * the Logs Ingestion overview's reserved list plus the standard columns every table carries.
 */
export const RESERVED_COLUMN_NAMES: readonly string[] = [
  "Type",
  "TenantId",
  "tenanted",
  "resource",
  "resourceid",
  "resourcename",
  "resourcetype",
  "subscriptionid",
  "_ResourceId",
  "_SubscriptionId",
  "_ItemId",
  "_IsBillable",
  "_BilledSize",
];

export const MAX_COLUMN_NAME_LENGTH = 45;
export const MAX_COLUMNS_PER_TABLE = 500;

/** Why a column name would be refused by Log Analytics, or `undefined` when it is acceptable. */
export function columnNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > MAX_COLUMN_NAME_LENGTH) return `is ${name.length} characters long; the limit is ${MAX_COLUMN_NAME_LENGTH}`;
  if (!/^[A-Za-z]/.test(name)) return "does not start with a letter";
  // Hyphens are legal in a table but need ['…'] quoting in every KQL query; letters, digits and _ only.
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) return "contains characters other than letters, digits and _";
  if (RESERVED_COLUMN_NAMES.some((reserved) => reserved.toLowerCase() === name.toLowerCase())) return "is reserved by Log Analytics";
  return undefined;
}

/** Every problem with a column list, as sentences that name the column; empty when the table is valid. */
export function columnListProblems(columns: readonly ColumnDefinition[]): string[] {
  const problems: string[] = [];
  if (columns.length > MAX_COLUMNS_PER_TABLE) problems.push(`The table has ${columns.length} columns; the limit is ${MAX_COLUMNS_PER_TABLE}.`);
  const seen = new Set<string>();
  for (const column of columns) {
    const problem = columnNameProblem(column.name);
    if (problem !== undefined) problems.push(`Column "${column.name}" ${problem}.`);
    const key = column.name.toLowerCase();
    if (seen.has(key)) problems.push(`Column "${column.name}" is declared twice (names compare case-insensitively).`);
    seen.add(key);
  }
  const timeGenerated = columns.find((column) => column.name === "TimeGenerated");
  if (timeGenerated === undefined) problems.push('A DCR-based custom table needs a "TimeGenerated" column.');
  else if (timeGenerated.type !== "datetime") problems.push('Column "TimeGenerated" must be of type datetime.');
  return problems;
}

export interface TableColumn {
  readonly name: string;
  readonly type: TableColumnType;
  readonly description: string;
}

export interface StreamColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** The custom table's columns, in the Tables API's type names (what `infra/generated/findings-table.columns.json` holds). */
export function tableColumns(columns: readonly ColumnDefinition[] = FINDINGS_COLUMNS): TableColumn[] {
  return columns.map((column) => ({
    name: column.name,
    type: column.type === "datetime" ? "dateTime" : column.type,
    description: column.description,
  }));
}

/** The DCR stream declaration's columns (what `infra/generated/findings-stream.columns.json` holds). */
export function streamColumns(columns: readonly ColumnDefinition[] = FINDINGS_COLUMNS): StreamColumn[] {
  return columns.map((column) => ({ name: column.name, type: column.type }));
}
