import type { ChangeAttribution } from "../events/attribution.js";
import type { RunTrigger } from "./findingsSchema.js";

/** The event behind an event-triggered evaluation. */
export interface EventContext {
  readonly eventId: string;
  readonly eventTime: Date;
  readonly attribution?: ChangeAttribution;
}

/** What every row of one run shares. A retried run must reuse its `runId` so duplicates collapse in KQL. */
export interface RunContext {
  readonly runId: string;
  readonly trigger: RunTrigger;
  readonly event?: EventContext;
  /** Written to ToolVersion; the package's own version when absent. */
  readonly toolVersion?: string;
}
