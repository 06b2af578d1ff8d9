/**
 * Measurements of the Functions' handlers for the benchmark (bench/main.ts). They take the handler dependencies
 * and the estate to change already built (in the benchmark: the emulator's estate and `createHandlerDependencies`
 * pointed at the emulator and Azurite), so nothing here knows the emulator. Durations come from the handlers'
 * own clock readings; nothing is asserted about them.
 */
import { performance } from "node:perf_hooks";
import type { Timer } from "@azure/functions";
import { InvocationContext } from "../shared/handlers/functionsRuntime.js";
import type { FindingRow, FindingsRow } from "../shared/sink/findingsSchema.js";
import type { FindingsWriter, WriteReport } from "../shared/sink/findingsWriter.js";
import type { HandlerDependencies } from "../shared/handlers/dependencies.js";
import { handleEventQueueMessage } from "../shared/handlers/eventHandlers.js";
import { mapWithConcurrency } from "../shared/handlers/invocation.js";
import { handleShardMessage } from "../shared/handlers/shardHandler.js";
import { handleSweepTimer } from "../shared/handlers/sweepTimerHandler.js";

/** The slice of the emulator's estate the measurements change (structurally `Estate` from emulator/). */
export interface MutableEstate {
  upsertResource(body: Record<string, unknown>): void;
  getResource(id: string): Record<string, unknown> | undefined;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface EventToUploadMeasurement extends LatencySummary {
  /** Events whose rows carried VW-NET-001 as a `New` failure (every one, or the measurement is not of that path). */
  readonly newPublicAccessFailures: number;
}

export interface SweepMeasurement {
  readonly subscriptions: number;
  readonly shards: number;
  readonly resources: number;
  readonly findingRows: number;
  readonly summaryRows: number;
  /** Planning (scope, run record, shard messages) by the timer handler. */
  readonly planMs: number;
  /** From the timer's start to the last shard's end, shards running `shardConcurrency` at once. */
  readonly totalMs: number;
  readonly resourcesPerSecond: number;
  readonly shardMs: LatencySummary;
}

const quietContext = (functionName: string, triggerMetadata?: Record<string, unknown>) =>
  new InvocationContext({ functionName, logHandler: () => undefined, ...(triggerMetadata === undefined ? {} : { triggerMetadata }) });

export function summariseLatencies(durationsMs: readonly number[]): LatencySummary {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))] ?? 0;
  return { count: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted[sorted.length - 1] ?? 0 };
}

/** Keeps the rows the handlers hand to the writer, still writing them. */
function recordingWriter(deps: HandlerDependencies): { deps: HandlerDependencies; rows: FindingsRow[] } {
  const rows: FindingsRow[] = [];
  const writer: Pick<FindingsWriter, "write"> = deps.writer;
  return {
    rows,
    deps: {
      ...deps,
      writer: {
        write: (batch) => {
          rows.push(...batch);
          return writer.write(batch);
        },
      },
    },
  };
}

function lockedDownVault(id: string, name: string): Record<string, unknown> {
  return {
    id,
    name,
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    tags: {},
    properties: {
      tenantId: "00000000-0000-4000-8000-00000000b0b0",
      sku: { family: "A", name: "standard" },
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
      publicNetworkAccess: "Disabled",
      networkAcls: { bypass: "None", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] },
      privateEndpointConnections: [],
    },
  };
}

function writeEvent(id: string, subscriptionId: string, eventId: string): Record<string, unknown> {
  return {
    id: eventId,
    topic: `/subscriptions/${subscriptionId}`,
    subject: id,
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: new Date().toISOString(),
    dataVersion: "2",
    metadataVersion: "1",
    data: { resourceUri: id, operationName: "Microsoft.KeyVault/vaults/write", status: "Succeeded", subscriptionId },
  };
}

/**
 * Function-side time from event to upload: for each of `events` vaults, the vault is created locked down and
 * evaluated once (not timed), then made public; the ResourceWriteSuccess for that change is handed to the queue
 * handler, and the time from the handler's start to the rows being uploaded (or spooled) is recorded.
 */
export async function measureEventToUpload(options: {
  readonly deps: HandlerDependencies;
  readonly estate: MutableEstate;
  readonly subscriptionId: string;
  readonly events: number;
  readonly resourceGroup?: string;
}): Promise<EventToUploadMeasurement> {
  const { deps, rows } = recordingWriter(options.deps);
  const durations: number[] = [];
  let newFailures = 0;
  const group = options.resourceGroup ?? "rg-vaultwatch-bench";
  const stamp = Date.now().toString(36);
  for (let index = 0; index < options.events; index += 1) {
    const name = `kv-bench-${stamp}-${index}`;
    const id = `/subscriptions/${options.subscriptionId}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${name}`;
    options.estate.upsertResource(lockedDownVault(id, name));
    await handleEventQueueMessage(writeEvent(id, options.subscriptionId, `${name}-created`), quietContext("resourceEventsFromQueue", { dequeueCount: 1 }), deps);

    const body = options.estate.getResource(id) as { properties: Record<string, unknown> };
    body.properties.publicNetworkAccess = "Enabled";
    options.estate.upsertResource(body);
    const eventId = `${name}-made-public`;
    rows.length = 0;
    const started = performance.now();
    await handleEventQueueMessage(writeEvent(id, options.subscriptionId, eventId), quietContext("resourceEventsFromQueue", { dequeueCount: 1 }), deps);
    durations.push(performance.now() - started);
    const netRow = rows.find((row): row is FindingRow => row.RecordType === "Finding" && row.EventId === eventId && row.ControlId === "VW-NET-001");
    if (netRow?.Status === "Fail" && netRow.Transition === "New") newFailures += 1;
  }
  return { ...summariseLatencies(durations), newPublicAccessFailures: newFailures };
}

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

/**
 * A whole sweep through the handlers: the timer handler plans it, then every shard it planned is handed to the
 * shard handler, `shardConcurrency` at once (as Functions instances would take them off the queue).
 */
export async function measureSweep(options: { readonly deps: HandlerDependencies; readonly shardConcurrency?: number }): Promise<SweepMeasurement> {
  const { deps, rows } = recordingWriter(options.deps);
  const started = performance.now();
  const plan = await handleSweepTimer(timer, quietContext("sweepTimer"), deps);
  const planMs = performance.now() - started;
  const shardDurations: number[] = [];
  let resources = 0;
  await mapWithConcurrency(plan.shards, options.shardConcurrency ?? 4, async (shard) => {
    const shardStarted = performance.now();
    const report = await handleShardMessage(shard, quietContext("sweepShard", { dequeueCount: 1 }), deps);
    shardDurations.push(performance.now() - shardStarted);
    if (report === undefined) throw new Error(`Shard ${shard.shardIndex} of run ${plan.runId} failed; see its poison record.`);
    resources += report.resources;
  });
  const totalMs = performance.now() - started;
  return {
    subscriptions: plan.subscriptionCount,
    shards: plan.shards.length,
    resources,
    findingRows: rows.filter((row) => row.RecordType === "Finding").length,
    summaryRows: rows.filter((row) => row.RecordType === "RunSummary").length,
    planMs,
    totalMs,
    resourcesPerSecond: totalMs > 0 ? (resources * 1000) / totalMs : 0,
    shardMs: summariseLatencies(shardDurations),
  };
}

export interface FaultRunMeasurement {
  readonly vaults: number;
  /** Distinct rows (by identity) the handlers handed to the writer, each delivery and redelivery included. */
  readonly rowsProduced: number;
  /** Distinct rows of those vaults in the ledger once the faults ended and the spool was replayed. */
  readonly distinctLedgerRows: number;
  /** Ledger rows beyond the distinct ones: redeliveries collapsed by identity. */
  readonly duplicateLedgerRows: number;
  /** Deliveries that failed (a crash before the upload, or a write that could not be kept) and were redelivered. */
  readonly redeliveries: number;
  /** Vaults whose change into Fail reached the ledger as a `New` VW-NET-001 row. */
  readonly newPublicAccessFailures: number;
}

function rowIdentity(row: FindingsRow): string {
  const finding = row as Partial<FindingRow>;
  return `${row.RunId}|${String(finding.AzureResourceId ?? "").toLowerCase()}|${String(finding.ControlId ?? "")}|${row.TimeGenerated}`;
}

/**
 * The event path under faults: `vaults` vaults are evaluated locked down, then made public, and each change's event
 * is delivered while `faults(true)` has Logs Ingestion failing, and while one delivery in `crashEvery` crashes after
 * the state moved and before anything was uploaded; a failed delivery is redelivered as the queue would, until it
 * succeeds. Then the faults end and the spool is replayed. Every row the handlers produced must be in the ledger.
 */
export async function measureFaultRun(options: {
  readonly deps: HandlerDependencies;
  readonly estate: MutableEstate;
  readonly subscriptionId: string;
  readonly vaults: number;
  readonly crashEvery: number;
  readonly faults: (on: boolean) => void;
  readonly ledgerRows: () => readonly FindingsRow[];
}): Promise<FaultRunMeasurement> {
  const { deps, rows } = recordingWriter(options.deps);
  let writes = 0;
  const writer: Pick<FindingsWriter, "write"> = deps.writer;
  const crashing: HandlerDependencies = {
    ...deps,
    writer: {
      write: (batch) => {
        writes += 1;
        if (writes % options.crashEvery === 0) return Promise.reject<WriteReport>(new Error("the worker crashed before the upload"));
        return writer.write(batch);
      },
    },
  };
  const stamp = Date.now().toString(36);
  const ids: string[] = [];
  let redeliveries = 0;
  const deliver = async (id: string, eventId: string): Promise<void> => {
    for (let delivery = 1; ; delivery += 1) {
      try {
        await handleEventQueueMessage(writeEvent(id, options.subscriptionId, eventId), quietContext("resourceEventsFromQueue", { dequeueCount: delivery }), crashing);
        return;
      } catch {
        redeliveries += 1;
        if (delivery >= 20) throw new Error(`the event for ${id} failed 20 deliveries`);
      }
    }
  };
  for (let index = 0; index < options.vaults; index += 1) {
    const name = `kv-fault-${stamp}-${index}`;
    const id = `/subscriptions/${options.subscriptionId}/resourceGroups/rg-vaultwatch-faults/providers/Microsoft.KeyVault/vaults/${name}`;
    ids.push(id.toLowerCase());
    options.estate.upsertResource(lockedDownVault(id, name));
    await deliver(id, `${name}-created`);
    const body = options.estate.getResource(id) as { properties: Record<string, unknown> };
    body.properties.publicNetworkAccess = "Enabled";
    options.estate.upsertResource(body);
    options.faults(true);
    try {
      await deliver(id, `${name}-made-public`);
    } finally {
      options.faults(false);
    }
  }
  // The next write replays the spool first, as any later invocation would.
  await options.deps.writer.write([]);
  const mine = (row: FindingsRow) => ids.includes(String((row as Partial<FindingRow>).AzureResourceId ?? "").toLowerCase());
  const produced = new Set(rows.filter(mine).map(rowIdentity));
  const ledger = options.ledgerRows().filter(mine);
  const distinct = new Set(ledger.map(rowIdentity));
  const newFailures = new Set(
    ledger
      .filter((row) => {
        const finding = row as Partial<FindingRow>;
        return finding.ControlId === "VW-NET-001" && finding.Status === "Fail" && finding.Transition === "New";
      })
      .map((row) => String((row as Partial<FindingRow>).AzureResourceId).toLowerCase()),
  );
  return {
    vaults: options.vaults,
    rowsProduced: produced.size,
    distinctLedgerRows: [...produced].filter((identity) => distinct.has(identity)).length,
    duplicateLedgerRows: ledger.length - distinct.size,
    redeliveries,
    newPublicAccessFailures: newFailures.size,
  };
}
