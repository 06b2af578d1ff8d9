import type { CoverageRow } from "../sink/findingsSchema.js";
import type { RunContext } from "../sink/runContext.js";
import { TOOL_VERSION } from "../version.js";
import type { ResourceGraphQueryClient } from "../readers/resourceGraphReader.js";
import type { EventArrivals } from "./eventArrivals.js";
import { type SubscriptionCoverage, readEventWiring } from "./eventWiring.js";

/**
 * One Coverage row per subscription. Dated from the sweep's observation time (not the clock), so a redelivered
 * shard writes identical rows that collapse on RunId and AzureSubscriptionId.
 */
export function buildCoverageRows(coverage: readonly SubscriptionCoverage[], observedAt: Date, run: RunContext): CoverageRow[] {
  return coverage.map((entry) => ({
    TimeGenerated: observedAt.toISOString(),
    RecordType: "Coverage",
    RunId: run.runId,
    Trigger: run.trigger,
    AzureSubscriptionId: entry.subscriptionId,
    EventWiring: entry.wiring,
    ...(entry.topicId === undefined ? {} : { EventTopicId: entry.topicId }),
    ...(entry.lastEventAt === undefined ? {} : { LastEventTime: entry.lastEventAt.toISOString() }),
    ...(entry.reason === undefined ? {} : { Reason: entry.reason }),
    ToolVersion: run.toolVersion ?? TOOL_VERSION,
  }));
}

/** Adds the last arrival time of each subscription's events to its wiring. */
export function withLastEvents(coverage: readonly SubscriptionCoverage[], arrivals: ReadonlyMap<string, Date>): SubscriptionCoverage[] {
  return coverage.map((entry) => {
    const lastEventAt = arrivals.get(entry.subscriptionId.toLowerCase());
    return lastEventAt === undefined ? entry : { ...entry, lastEventAt };
  });
}

/** What a sweep shard needs to write coverage rows. */
export interface CoverageSource {
  readonly resourceGraph: ResourceGraphQueryClient;
  /** The delivery identity that marks this deployment's topics (VAULTWATCH_EVENTS_IDENTITY_ID). */
  readonly deliveryIdentityId: string | undefined;
  readonly arrivals: Pick<EventArrivals, "lastArrivals">;
}

/**
 * Coverage of the shard's subscriptions. Wiring that cannot be read is `Unknown`; last-event times that cannot be
 * read are left out of the rows and the reason is returned, so the sweep reports it instead of hiding it.
 */
export async function readCoverage(source: CoverageSource, subscriptionIds: readonly string[]): Promise<{ coverage: SubscriptionCoverage[]; problems: string[] }> {
  const problems: string[] = [];
  const [wiring, arrivals] = await Promise.all([
    readEventWiring(source.resourceGraph, subscriptionIds, source.deliveryIdentityId),
    source.arrivals.lastArrivals().catch((error: unknown) => {
      problems.push(`the last event times could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return new Map<string, Date>();
    }),
  ]);
  const unknown = wiring.find((entry) => entry.wiring === "Unknown");
  if (unknown?.reason !== undefined) problems.push(`event wiring could not be read: ${unknown.reason}`);
  return { coverage: withLastEvents(wiring, arrivals), problems };
}
