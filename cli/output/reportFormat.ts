import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import type { EstateSummary } from "./estateSummary.js";
import type { ReportOutput } from "./reportOutput.js";

export const REPORT_FORMATS = ["table", "json", "csv", "sarif", "markdown", "html"] as const;
export type ReportFormatName = (typeof REPORT_FORMATS)[number];

/** A streaming renderer: called once per resource, in order, then once at the end. */
export interface ReportFormat {
  begin(out: ReportOutput): void;
  resource(evaluation: ResourceEvaluation, out: ReportOutput): void;
  end(summary: EstateSummary, out: ReportOutput): Promise<void>;
}

export function failingControls(evaluation: ResourceEvaluation): string[] {
  return evaluation.findings.filter((finding) => finding.status === "Fail").map((finding) => finding.controlId);
}

export const KIND_LABEL = { vault: "vault", managedHsm: "hsm" } as const;
