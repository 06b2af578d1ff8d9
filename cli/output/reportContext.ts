import { TOOL_VERSION } from "../../shared/version.js";

/**
 * The version of the JSON and CSV report layouts: raised when a field is removed or changes meaning, so a consumer
 * can tell which layout it reads (adding a field does not raise it).
 */
export const REPORT_SCHEMA_VERSION = "2";

/** What every report states about itself, beside the resources. */
export interface ReportContext {
  readonly toolVersion: string;
  readonly schemaVersion: string;
  /** When the report was written (the wall clock). */
  readonly generatedAt: Date;
  /** The instant the controls and waivers were judged at: `--at`, or when the run started. */
  readonly evaluatedAt: Date;
  /** A subscription's display name, when the source read it (`scan` does; a JSON file does not). */
  subscriptionName(subscriptionId: string): string | undefined;
}

export function reportContext(evaluatedAt: Date, subscriptionNames: ReadonlyMap<string, string> = new Map()): ReportContext {
  return {
    toolVersion: TOOL_VERSION,
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date(),
    evaluatedAt,
    // Subscription ids are GUIDs that sources spell in either case.
    subscriptionName: (subscriptionId) => subscriptionNames.get(subscriptionId.toLowerCase()),
  };
}
