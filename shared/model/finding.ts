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

/**
 * How to fix a failing control, as data every output renders its own way:
 * - `commands`: shell commands a person can paste into bash or zsh, one complete command per entry, never two and
 *   never prose. Every name, resource group and id in them is shell-quoted (a name holding a quote, `;`, `$(…)`, a
 *   newline or an escape sequence stays one argument on one line), and what the person must fill in is a quoted
 *   placeholder such as `'<workspace-resource-id>'`, so a command pasted unchanged fails instead of doing harm.
 * - `note`: what the commands do and what to check first, in words.
 * Findings carry it only when they are `Fail` or `Waived`: a passing, inapplicable or unknown control has nothing to fix.
 */
export interface Remediation {
  readonly commands: readonly string[];
  readonly note: string;
}

export interface Finding {
  readonly resourceId: string;
  readonly controlId: ControlId;
  readonly title: string;
  readonly severity: Severity;
  readonly status: Status;
  readonly reason: string;
  readonly evidence: Evidence;
  /** Only on `Fail` and `Waived` findings. */
  readonly remediation?: Remediation;
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
