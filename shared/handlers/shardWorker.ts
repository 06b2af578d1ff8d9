import { type CoverageSource, buildCoverageRows, readCoverage } from "../eventCoverage/coverageRows.js";
import { newTally } from "../evaluate/evaluateItems.js";
import type { GovernanceConfig } from "../governance/governanceConfig.js";
import { armIdKey } from "../model/armId.js";
import type { ResourceEvaluation } from "../model/evaluation.js";
import type { ShardMessage } from "../queues/shardMessage.js";
import type { DiagnosticSettingsReader } from "../readers/diagnosticSettingsReader.js";
import type { KeyVaultResourceReader } from "../readers/keyVaultResourceReader.js";
import type { PolicyExemptionReader } from "../readers/policyExemptionReader.js";
import type { ResourceGraphReader } from "../readers/resourceGraphReader.js";
import { scanEstate } from "../scan/scanEstate.js";
import { type FindingTally, emptyTally, mergeTallies, tallyFindingRows } from "../sink/findingRows.js";
import type { FindingRow, FindingsRow } from "../sink/findingsSchema.js";
import { type FindingsWriter, type ReplayReport, mergeReplays } from "../sink/findingsWriter.js";
import type { RunContext } from "../sink/runContext.js";
import { type StateChange, type TableStateStore, rowsToWrite } from "../state/tableStateStore.js";
import { mapWithConcurrency } from "./invocation.js";
import { type RunCompletion, type RunSummaryDependencies, completeRunIfFinished } from "./runSummary.js";
import type { StateIndex } from "./stateIndex.js";

export interface ShardWorkerDependencies extends RunSummaryDependencies {
  readonly resourceGraphReader: ResourceGraphReader;
  readonly diagnosticSettingsReader: DiagnosticSettingsReader;
  readonly stateStore: Pick<TableStateStore, "apply" | "remove" | "acknowledge">;
  readonly stateIndex: StateIndex;
  /** Confirms a deletion the sweep suspects (Resource Graph no longer lists the resource) with an ARM read. */
  readonly keyVaultReader: Pick<KeyVaultResourceReader, "read">;
  readonly writer: Pick<FindingsWriter, "write">;
  /** The deployed vaultwatch.config.json, when one is named. */
  readonly governance?: GovernanceConfig;
  /** Azure Policy exemptions of the shard's subscriptions, read once per shard. */
  readonly policyExemptionReader?: Pick<PolicyExemptionReader, "read">;
  /** Where the shard reads its subscriptions' event wiring and last events for their Coverage rows. */
  readonly coverage?: CoverageSource;
}

/** Evaluations applied to the state store at once, and collected before each state round. */
const APPLY_CONCURRENCY = 16;
const APPLY_CHUNK = 64;
/** Rows buffered before an upload; whole resources only, so a resource's rows never straddle two uploads. */
const FLUSH_ROWS = 5_000;
/**
 * How far Resource Graph may trail ARM. A sweep's observations are dated this much before the run was planned,
 * so a change an event already applied in that window is not undone by a Resource Graph row that does not show it
 * yet, and a vault an event just recorded is not taken for deleted because Resource Graph does not list it yet.
 */
export const RESOURCE_GRAPH_LAG_ALLOWANCE_MS = 5 * 60_000;

export interface ShardReport {
  readonly runId: string;
  readonly shardIndex: number;
  /** `alreadyFinished`: an earlier delivery of this shard recorded its end; nothing was read again. */
  readonly kind: "processed" | "alreadyFinished";
  readonly resources: number;
  readonly applied: number;
  readonly replayed: number;
  readonly stale: number;
  readonly removed: number;
  readonly rows: number;
  readonly delivered: number;
  readonly spooled: number;
  readonly refused: number;
  readonly errors: readonly string[];
  /** Why rows were spooled instead of delivered (they are replayed by the next upload); absent when none were. */
  readonly spoolReasons?: readonly string[];
  /** What replaying the spool before this shard's uploads did; absent when nothing was uploaded. */
  readonly replay?: ReplayReport;
  readonly completion: RunCompletion;
}

/**
 * One shard of a sweep: the scan pipeline over the shard's subscriptions (Resource Graph pages, diagnostic
 * settings, normalise, evaluate), each evaluation applied to the state store, then deletions (resources the store
 * holds for those subscriptions that the sweep did not see), rows uploaded as they accumulate, the shard's end
 * recorded once, and the run summary written if this was the last shard.
 *
 * Every observation of the shard is dated from the run's planned time (less the Resource Graph lag allowance), not
 * from when this delivery ran. A redelivered shard therefore replays the same observation: the state store hands
 * back the same rows with the same transitions instead of applying it twice, and rows of a delivery whose upload
 * was lost are written again unchanged.
 */
export async function processShard(message: ShardMessage, deps: ShardWorkerDependencies): Promise<ShardReport> {
  const { runId, shardIndex } = message;
  const counts = { resources: 0, applied: 0, replayed: 0, stale: 0, removed: 0, rows: 0, delivered: 0, spooled: 0, refused: 0 };
  if ((await deps.runRecords.getShard(runId, shardIndex)) !== undefined) {
    return { runId, shardIndex, kind: "alreadyFinished", ...counts, errors: [], completion: await completeRunIfFinished(runId, shardIndex, deps) };
  }

  const plannedAt = new Date(message.plannedAt);
  const observedAt = new Date(plannedAt.getTime() - RESOURCE_GRAPH_LAG_ALLOWANCE_MS);
  const baseline = (await deps.runRecords.getRun(runId))?.baseline === true;
  const run: RunContext = { runId, trigger: "sweep", toolVersion: deps.toolVersion, ...(baseline ? { baseline } : {}) };
  const seen = new Set<string>();
  const errors: string[] = [];
  const spoolReasons: string[] = [];
  let tally: FindingTally = emptyTally();
  let replay: ReplayReport | undefined;
  let buffered: FindingRow[] = [];
  let awaitingAck: { resourceId: string; pending: StateChange["pending"] }[] = [];

  // Rows are written after their state moved; the chain rows among them sit in each resource's outbox until the
  // upload (or the spool) took them, and only then are acknowledged. A crash anywhere in between leaves them in
  // the outbox for the redelivered shard or any event on the same resource (see TableStateStore).
  const deliver = async (rows: readonly FindingsRow[], acks: typeof awaitingAck = []): Promise<void> => {
    const report = await deps.writer.write(rows);
    replay = mergeReplays(replay, report.replay);
    await mapWithConcurrency(acks, APPLY_CONCURRENCY, ({ resourceId, pending }) =>
      deps.stateStore.acknowledge(resourceId, pending).catch(() => undefined),
    );
    counts.delivered += report.delivered;
    counts.spooled += report.spooled;
    counts.refused += report.rejected.length;
    for (const reason of report.failureReasons) if (!spoolReasons.includes(reason)) spoolReasons.push(reason);
    for (const refused of report.rejected.slice(0, 5)) errors.push(`a row of ${refused.row.AzureResourceId ?? refused.row.AzureSubscriptionId} was refused: ${refused.reason}`);
  };
  const flush = async (): Promise<void> => {
    if (buffered.length === 0) return;
    const rows = buffered;
    const acks = awaitingAck;
    buffered = [];
    awaitingAck = [];
    tally = mergeTallies(tally, tallyFindingRows(rows.filter((row) => row.RunId === runId)));
    await deliver(rows, acks);
  };
  const take = (resourceId: string, change: StateChange): void => {
    counts.rows += change.rows.length;
    buffered.push(...rowsToWrite(change));
    if (change.pending.length > 0) awaitingAck.push({ resourceId, pending: change.pending });
  };
  const applyAll = async (evaluations: ResourceEvaluation[]): Promise<void> => {
    const changes = await mapWithConcurrency(evaluations, APPLY_CONCURRENCY, async (evaluation) => ({
      resourceId: evaluation.resource.resourceId,
      change: await deps.stateStore.apply(evaluation, observedAt, run),
    }));
    for (const { resourceId, change } of changes) {
      counts[change.outcome] += 1;
      take(resourceId, change);
    }
    if (buffered.length >= FLUSH_ROWS) await flush();
  };

  const itemTally = newTally();
  let pending: ResourceEvaluation[] = [];
  for await (const evaluation of scanEstate({
    scope: { kind: "subscriptions", subscriptionIds: message.subscriptionIds },
    now: plannedAt,
    resourceGraph: deps.resourceGraphReader,
    diagnosticSettings: deps.diagnosticSettingsReader,
    tally: itemTally,
    ...(deps.governance === undefined ? {} : { governance: deps.governance }),
    ...(deps.policyExemptionReader === undefined ? {} : { policyExemptions: deps.policyExemptionReader }),
  })) {
    counts.resources += 1;
    seen.add(armIdKey(evaluation.resource.resourceId));
    pending.push(evaluation);
    if (pending.length >= APPLY_CHUNK) {
      await applyAll(pending);
      pending = [];
    }
  }
  await applyAll(pending);
  errors.push(...itemTally.malformed.map((problem) => `Resource Graph returned a row that is not a vault or HSM (${problem})`));
  errors.push(...itemTally.warnings);

  // Excluded resources end like deleted ones (no longer evaluated), but their rows say why.
  const excluded = new Map(itemTally.excluded.map((entry) => [armIdKey(entry.resourceId), `Excluded by the configuration: ${entry.reason}`]));
  for (const subscriptionId of message.subscriptionIds) {
    const gone: string[] = [];
    for await (const live of deps.stateIndex.liveResources(subscriptionId)) {
      // A record newer than the sweep came from an event after the run was planned: the sweep cannot judge it.
      if (!seen.has(armIdKey(live.resourceId)) && live.observedAt.getTime() < observedAt.getTime()) gone.push(live.resourceId);
    }
    // Missing from Resource Graph is a hint too (it trails ARM, and an unreadable scope lists nothing): a deletion is
    // believed only when ARM answers 404 or 410 for the resource itself (events and listings are hints, reads are
    // truth). A resource the configuration excludes is still there: its rows end with the exclusion's reason, with no
    // read.
    const changes = await mapWithConcurrency(gone, APPLY_CONCURRENCY, async (resourceId) => {
      const exclusionReason = excluded.get(armIdKey(resourceId));
      if (exclusionReason !== undefined) return { resourceId, change: await deps.stateStore.remove(resourceId, observedAt, run, exclusionReason) };
      const read = await deps.keyVaultReader.read(resourceId);
      if (read.state !== "deleted") return { resourceId, kept: read.state === "found" ? "ARM still has it" : `ARM could not confirm it (${read.reason})` };
      return { resourceId, change: await deps.stateStore.remove(resourceId, observedAt, run) };
    });
    for (const outcome of changes) {
      if (outcome.change === undefined) {
        errors.push(`${outcome.resourceId} is missing from Resource Graph but ${outcome.kept}; its state was left as it was`);
        continue;
      }
      if (outcome.change.outcome !== "stale") counts.removed += 1;
      take(outcome.resourceId, outcome.change);
    }
  }
  await flush();
  if (deps.coverage !== undefined) {
    const { coverage, problems } = await readCoverage(deps.coverage, message.subscriptionIds);
    errors.push(...problems.map((problem) => `coverage: ${problem}`));
    const rows = buildCoverageRows(coverage, observedAt, run);
    counts.rows += rows.length;
    await deliver(rows);
  }

  await deps.runRecords.recordShard(runId, shardIndex, {
    outcome: "completed",
    finishedAt: deps.clock(),
    // Counted here rather than from rows: a stale observation writes no row but was still swept.
    tally: { ...tally, resources: counts.resources, resourcesRemoved: counts.removed, resourcesExcluded: itemTally.excluded.length },
    errors,
  });
  const completion = await completeRunIfFinished(runId, shardIndex, deps);
  return { runId, shardIndex, kind: "processed", ...counts, errors, spoolReasons, ...(replay === undefined ? {} : { replay }), completion };
}

/** Records a shard that is given up on, so the run can still end with a summary that names the failure. */
export async function abandonShard(message: ShardMessage, reason: string, deps: RunSummaryDependencies): Promise<RunCompletion> {
  await deps.runRecords.recordShard(message.runId, message.shardIndex, {
    outcome: "failed",
    finishedAt: deps.clock(),
    errors: [`gave up on ${message.subscriptionIds.length} subscription(s) (${message.subscriptionIds.join(", ")}): ${reason}`],
  });
  return completeRunIfFinished(message.runId, message.shardIndex, deps);
}

export function describeShardReport(report: ShardReport): string {
  if (report.kind === "alreadyFinished") {
    return `run ${report.runId} shard ${report.shardIndex}: already finished by an earlier delivery; run ${describeCompletion(report.completion)}`;
  }
  return [
    `run ${report.runId} shard ${report.shardIndex}: ${report.resources} resource(s)`,
    `${report.applied} applied, ${report.replayed} replayed, ${report.stale} stale, ${report.removed} removed`,
    // The delivery-backlog alert reads "N spooled, N refused" from this line: keep that wording.
    `${report.rows} row(s): ${report.delivered} delivered, ${report.spooled} spooled, ${report.refused} refused` +
      (report.spoolReasons !== undefined && report.spoolReasons.length > 0 ? ` (spooled because: ${report.spoolReasons.join("; ")})` : ""),
    `${report.errors.length} error(s)`,
    `run ${describeCompletion(report.completion)}`,
  ].join("; ");
}

function describeCompletion(completion: RunCompletion): string {
  switch (completion.kind) {
    case "pending":
      return `waits for ${completion.shardCount - completion.finishedShards} more shard(s)`;
    case "written":
      return "summary written";
    case "alreadyWritten":
      return "summary was already written";
    case "claimedByAnotherShard":
      return `summary is being written by shard ${completion.shardIndex}`;
  }
}
