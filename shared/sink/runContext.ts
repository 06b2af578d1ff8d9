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
  /**
   * Set on the shards of a sweep planned before this deployment's first full sweep completed: a resource such a
   * sweep sees for the first time is recorded as `Baseline`, not `New` (the new-failure alerts ignore it).
   */
  readonly baseline?: boolean;
  /** Written to ToolVersion; the package's own version when absent. */
  readonly toolVersion?: string;
}
