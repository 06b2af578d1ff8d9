import type { ResourceKind } from "./resource.js";

export type Severity = "High" | "Medium" | "Low";
export const SEVERITIES: readonly Severity[] = ["High", "Medium", "Low"];
export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = { High: 10, Medium: 5, Low: 2 };

/** What a control itself can conclude. `Waived` is decided by the engine, never by a control. */
export type ControlStatus = "Pass" | "Fail" | "NotApplicable" | "Unknown";
export type Status = ControlStatus | "Waived";
export const STATUSES: readonly Status[] = ["Pass", "Fail", "NotApplicable", "Unknown", "Waived"];

export type ControlId =
  | "VW-NET-001"
  | "VW-NET-002"
  | "VW-NET-003"
  | "VW-NET-004"
  | "VW-NET-005"
  | "VW-NET-006"
  | "VW-NET-007"
  | "VW-DP-001"
  | "VW-DP-002"
  | "VW-LOG-001"
  | "VW-LOG-002"
  | "VW-IAM-001"
  | "VW-IAM-002";

/** JSON-serialisable facts a control saw. */
export type Evidence = { readonly [key: string]: unknown };

export interface WaiverNote {
  readonly expires: string; // YYYY-MM-DD, inclusive, UTC
  readonly state: "active" | "expired";
}

export interface Finding {
  readonly resourceId: string;
  readonly controlId: ControlId;
  readonly title: string;
  readonly severity: Severity;
  readonly status: Status;
  readonly reason: string;
  readonly evidence: Evidence;
  readonly remediation: string;
  readonly waiver?: WaiverNote;
}

export interface ResourceSummary {
  readonly resourceId: string;
  readonly resourceType: string;
  readonly kind: ResourceKind;
  readonly name: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
}
