/**
 * The one definition of a vaultwatch row in Log Analytics (custom table `VaultwatchFindings_CL`).
 * The table columns and the DCR stream declaration in infra/generated/ are generated from this list
 * (`npm run generate`); a test fails when they are stale. Keep rows lean: Log Analytics bills ingested bytes.
 */

/** Log Analytics column types; the DCR stream uses the same names except as mapped in `dcrType`. */
export type ColumnType = "string" | "int" | "long" | "real" | "boolean" | "datetime" | "dynamic";

export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly description: string;
}

export const FINDINGS_TABLE_NAME = "VaultwatchFindings_CL";
export const FINDINGS_STREAM_NAME = "Custom-VaultwatchFindings";

export const FINDINGS_COLUMNS = [
  { name: "TimeGenerated", type: "datetime", description: "When vaultwatch evaluated the resource." },
  { name: "RecordType", type: "string", description: "Finding, or RunSummary for the one row a sweep writes when it ends." },
  { name: "RunId", type: "string", description: "Sweep or event run that produced the row; replays of the same run share it." },
  { name: "Trigger", type: "string", description: "sweep, event or cli." },
  { name: "AzureResourceId", type: "string", description: "ARM id of the vault or Managed HSM." },
  { name: "AzureResourceType", type: "string", description: "Microsoft.KeyVault/vaults or Microsoft.KeyVault/managedHSMs." },
  { name: "AzureResourceName", type: "string", description: "Name of the vault or HSM." },
  { name: "AzureSubscriptionId", type: "string", description: "Subscription of the resource." },
  { name: "AzureResourceGroup", type: "string", description: "Resource group of the resource." },
  { name: "AzureLocation", type: "string", description: "Region of the resource." },
  { name: "ControlId", type: "string", description: "Control from the vaultwatch catalog, e.g. VW-NET-001." },
  { name: "ControlTitle", type: "string", description: "Title of the control." },
  { name: "Severity", type: "string", description: "High, Medium or Low." },
  { name: "Status", type: "string", description: "Pass, Fail, NotApplicable, Unknown, Waived, or Removed when the resource was deleted." },
  { name: "PreviousStatus", type: "string", description: "Status at the previous applied observation; empty for the first." },
  { name: "Transition", type: "string", description: "New (started failing), Resolved (stopped failing), Unchanged, or Removed." },
  { name: "Reason", type: "string", description: "Why the control has this status." },
  { name: "Evidence", type: "dynamic", description: "What was seen; only on rows that are not passing." },
  { name: "Remediation", type: "string", description: "Command that fixes the failure; only on failing rows." },
  { name: "ResourceScore", type: "int", description: "0-100 posture score of the resource." },
  { name: "WaiverExpiry", type: "datetime", description: "End of the waiver that covers the control, if any." },
  { name: "Exposure", type: "string", description: "Effective network exposure: Internet, PublicRestricted, TrustedServicesOnly, PrivateOnly, Perimeter, Unreachable, Unknown." },
  { name: "PreviousExposure", type: "string", description: "Exposure at the previous applied observation; empty for the first." },
  { name: "ExposurePaths", type: "dynamic", description: "The paths that admit traffic (IP rules, subnets, private endpoints, trusted services)." },
  { name: "EventId", type: "string", description: "Event Grid event id, when an event caused the evaluation." },
  { name: "EventTime", type: "datetime", description: "Time of that event." },
  { name: "ChangeOperation", type: "string", description: "ARM operation reported by the event (data.operationName)." },
  { name: "ChangeCallerObjectId", type: "string", description: "Object id of the caller, as Event Grid reports it." },
  { name: "ChangeCallerName", type: "string", description: "User principal name or application id of the caller, where the event carries one." },
  { name: "ChangeCallerRole", type: "string", description: "Role evidence from data.authorization." },
  { name: "ChangeClientIp", type: "string", description: "Client IP address, where reported." },
  { name: "ChangeCorrelationId", type: "string", description: "Correlation id linking to the Activity Log." },
  { name: "RunSummary", type: "dynamic", description: "On RunSummary rows: resources, failures by severity, duration, errors." },
  { name: "ToolVersion", type: "string", description: "vaultwatch version." },
] as const satisfies readonly ColumnDefinition[];

export type FindingsColumnName = (typeof FINDINGS_COLUMNS)[number]["name"];
