/**
 * Crash injection over both paths that move state (a design rule: every state change is crash-safe). Each awaited step of
 * the event path and of the sweep shard path is made to fail in turn, before it reaches the service and after it
 * took effect; then the work is redelivered as the queue would (and, for the shard, raced by an event for the same
 * vault), and the vault is fixed so the change out of Fail is seen too. After each scenario the emulator's Log
 * Analytics ledger must hold a consistent chain for the vault, the change into Fail as `New` and out of it as
 * `Resolved`, and a last status per control equal to the truth.
 */
import { randomUUID } from "node:crypto";
import { LogsIngestionClient } from "@azure/monitor-ingestion";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HandlerDependencies } from "../../shared/handlers/dependencies.js";
import { handleEventQueueMessage } from "../../shared/handlers/eventHandlers.js";
import { RUNS_TABLE_NAME, RunRecords } from "../../shared/handlers/runRecords.js";
import { processShard } from "../../shared/handlers/shardWorker.js";
import { TableStateIndex } from "../../shared/handlers/stateIndex.js";
import type { ShardMessage } from "../../shared/queues/shardMessage.js";
import { BlobSpool } from "../../shared/sink/blobSpool.js";
import { findingRowsBuilder } from "../../shared/sink/findingRows.js";
import { FINDINGS_STREAM_NAME } from "../../shared/sink/findingsSchema.js";
import { FindingsWriter } from "../../shared/sink/findingsWriter.js";
import { containerClientFor, tableClientFor } from "../../shared/state/storageClients.js";
import { STATE_TABLE_NAME, TableStateStore } from "../../shared/state/tableStateStore.js";
import { chainProblems } from "./support/chain.js";
import { type FaultMode, FaultInjector } from "./support/faultInjector.js";
import { DCR_IMMUTABLE_ID, type FunctionsHarness, invocationContext, startFunctionsHarness } from "./support/harness.js";
import { REFERENCE, referenceEvent } from "./support/referenceEvents.js";
import { currentPosture, postureDifferences, truthOf } from "./support/truth.js";

let harness: FunctionsHarness;
const MODES: readonly FaultMode[] = ["before", "after"];

beforeAll(async () => {
  // ARM's read bucket opened wide: the scenarios read one vault many times, and pacing is not what this is about.
  harness = await startFunctionsHarness({
    emulator: { estate: { resources: 0, subscriptions: 1, seed: 9 }, knobs: { latencyMs: 0, armReads: { burst: 1_000_000, refillPerSecond: 1_000_000, retryAfterOn429: "seconds" } } },
    dependencies: { diagnosticSettings: { readBurst: 1_000_000, readRefillPerSecond: 1_000_000, backoffMs: 1, maxAttempts: 2 } },
  });
});
afterAll(async () => harness?.stop());

interface Vault {
  readonly id: string;
  readonly name: string;
  readonly subscriptionId: string;
}

/** A vault, locked down, alone in a subscription of its own (a shard of that subscription covers it alone). */
function seedVault(tag: string): Vault {
  const subscriptionId = randomUUID();
  const name = `kv-crash-${tag}`;
  const estate = harness.emulator.estate;
  estate.addSubscription({ subscriptionId, displayName: name, tenantId: estate.tenantId, managementGroupId: estate.managementGroups()[0]?.id ?? "" });
  const body = renamed(referenceEvent("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json"), name, subscriptionId).data["resourceInfo"] as Record<string, unknown>;
  estate.upsertResource(body);
  return { id: body["id"] as string, name, subscriptionId };
}

function renamed<T>(value: T, name: string, subscriptionId: string): T {
  return JSON.parse(JSON.stringify(value).replaceAll("kv-prod-01", name).replaceAll(REFERENCE.subscriptionId, subscriptionId)) as T;
}

function setPublicAccess(vault: Vault, publicNetworkAccess: "Enabled" | "Disabled"): void {
  const body = structuredClone(harness.emulator.estate.getResource(vault.id)) as Record<string, unknown>;
  (body["properties"] as Record<string, unknown>)["publicNetworkAccess"] = publicNetworkAccess;
  harness.emulator.estate.upsertResource(body);
}

function writeEvent(vault: Vault): unknown {
  const event = renamed(referenceEvent("kv-subscription-ResourceWriteSuccess.constructed.eventgrid.json"), vault.name, vault.subscriptionId);
  event.id = randomUUID();
  return event;
}

/**
 * Handler dependencies on the same storage and emulator as the harness's, with every awaited dependency behind the
 * injector; the spool is the scenario's own container, so one scenario's spooled rows are replayed by its own writes.
 */
function depsThrough(injector: FaultInjector, spoolContainer: string): HandlerDependencies {
  const storage = { kind: "connectionString" as const, connectionString: harness.azurite.connectionString };
  const stateTable = injector.wrap("stateTable", tableClientFor(storage, STATE_TABLE_NAME));
  const options = harness.emulator.clientOptions();
  const ingestion = injector.wrap("ingestion", new LogsIngestionClient(harness.emulator.url, harness.emulator.credential, options));
  const spool = injector.wrap("spool", new BlobSpool(containerClientFor(storage, spoolContainer), harness.deps.clock, containerClientFor(storage, `${spoolContainer}-dead`)));
  return {
    ...harness.deps,
    stateStore: new TableStateStore(stateTable, findingRowsBuilder),
    stateIndex: new TableStateIndex(stateTable),
    runRecords: new RunRecords(injector.wrap("runsTable", tableClientFor(storage, RUNS_TABLE_NAME))),
    writer: new FindingsWriter({ client: ingestion, ruleId: DCR_IMMUTABLE_ID, streamName: FINDINGS_STREAM_NAME, spool, clock: harness.deps.clock }),
    keyVaultReader: injector.wrap("keyVaultReader", harness.deps.keyVaultReader),
    diagnosticSettingsReader: injector.wrap("diagnosticSettingsReader", harness.deps.diagnosticSettingsReader),
    resourceGraphReader: injector.wrap("resourceGraphReader", harness.deps.resourceGraphReader),
    eventScope: injector.wrap("eventScope", harness.deps.eventScope),
  };
}

async function deliverEvent(event: unknown, deps: HandlerDependencies): Promise<boolean> {
  const { context } = invocationContext({ functionName: "resourceEventsFromQueue", triggerMetadata: { dequeueCount: 1 } });
  try {
    await handleEventQueueMessage(event, context, deps);
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with the ledger for this vault after a scenario (empty when nothing is). */
function ledgerProblems(vault: Vault): string[] {
  const rows = harness.ledgerRows().filter((row) => String(row.AzureResourceId).toLowerCase() === vault.id.toLowerCase());
  const problems = chainProblems(rows, vault.id);
  const net = rows.filter((row) => row.ControlId === "VW-NET-001");
  if (!net.some((row) => row.Status === "Fail" && row.Transition === "New")) problems.push("VW-NET-001 never reached the ledger as New");
  if (!net.some((row) => row.PreviousStatus === "Fail" && row.Transition === "Resolved")) problems.push("VW-NET-001 never reached the ledger as Resolved");
  const truth = new Map([...truthOf(harness.emulator.estate, harness.deps.clock())].filter(([id]) => id === vault.id.toLowerCase()));
  problems.push(...postureDifferences(currentPosture(rows), truth));
  return problems;
}

interface Scenario {
  readonly label: string;
  /** Runs the scenario with the faulty dependencies for the step under test and clean ones for everything else. */
  run(vault: Vault, faulty: HandlerDependencies, clean: HandlerDependencies): Promise<void>;
}

const EVENT_PATH: Scenario = {
  label: "event path",
  async run(vault, faulty, clean) {
    await deliverEvent(writeEvent(vault), clean);
    setPublicAccess(vault, "Enabled");
    const event = writeEvent(vault);
    // The queue redelivers a message whose handler threw; one that was acknowledged is not seen again.
    if (!(await deliverEvent(event, faulty))) await deliverEvent(event, clean);
    setPublicAccess(vault, "Disabled");
    await deliverEvent(writeEvent(vault), clean);
  },
};

const SHARD_PATH: Scenario = {
  label: "sweep shard path, raced by an event",
  async run(vault, faulty, clean) {
    const now = harness.deps.clock().getTime();
    const shardOf = async (minutesAgo: number): Promise<ShardMessage> => {
      const plannedAt = new Date(now - minutesAgo * 60_000);
      const runId = `sweep-crash-${randomUUID().slice(0, 12)}`;
      await clean.runRecords.createRun({ runId, plannedAt, shardCount: 1, subscriptionCount: 1, planErrors: [] });
      return { runId, shardIndex: 0, shardCount: 1, subscriptionIds: [vault.subscriptionId], plannedAt: plannedAt.toISOString() };
    };
    await processShard(await shardOf(30), clean);
    setPublicAccess(vault, "Enabled");
    const shard = await shardOf(1);
    const failed = await processShard(shard, faulty).then(
      () => false,
      () => true,
    );
    // An event for the same vault lands while the shard waits for its redelivery, or at the same time as it.
    await Promise.all([deliverEvent(writeEvent(vault), clean), failed ? processShard(shard, clean) : Promise.resolve()]);
    setPublicAccess(vault, "Disabled");
    await deliverEvent(writeEvent(vault), clean);
    const run = await clean.runRecords.getRun(shard.runId);
    if (run?.summaryWrittenAt === undefined) throw new Error(`run ${shard.runId} never wrote its summary`);
  },
};

describe.each([EVENT_PATH, SHARD_PATH])("crash injection on the $label", (scenario) => {
  it("loses no transition and keeps the chain whole whichever awaited step fails, before or after it took effect", async () => {
    // A recording run, with no fault, lists the steps.
    const recorder = new FaultInjector(undefined);
    const recordingVault = seedVault(`rec-${randomUUID().slice(0, 6)}`);
    const recordingSpool = `crash-${randomUUID().slice(0, 8)}`;
    const faultyRecording = depsThrough(recorder, recordingSpool);
    const clean = depsThrough(new FaultInjector(undefined), recordingSpool);
    await scenario.run(recordingVault, faultyRecording, clean);
    expect(ledgerProblems(recordingVault)).toEqual([]);
    const stepCount = recorder.steps.length;
    if (process.env.CRASH_DEBUG) console.log(scenario.label, stepCount, recorder.steps.join(" "));
    expect(stepCount).toBeGreaterThan(5);

    const failures: string[] = [];
    const covered = new Set<string>();
    for (let step = 1; step <= stepCount; step += 1) {
      for (const mode of MODES) {
        const vault = seedVault(`${step}-${mode}-${randomUUID().slice(0, 6)}`);
        const spoolContainer = `crash-${randomUUID().slice(0, 8)}`;
        const injector = new FaultInjector({ failAt: step, mode }, new Set(recorder.asyncNames));
        try {
          await scenario.run(vault, depsThrough(injector, spoolContainer), depsThrough(new FaultInjector(undefined), spoolContainer));
        } catch (error) {
          failures.push(`step ${step} (${recorder.steps[step - 1]}) ${mode}: the scenario itself failed: ${String(error)}`);
          continue;
        }
        if (injector.fired !== undefined) covered.add(injector.fired.name);
        const problems = ledgerProblems(vault);
        if (problems.length > 0) failures.push(`step ${step} (${injector.fired?.name ?? recorder.steps[step - 1]}) ${mode}: ${problems.join("; ")}`);
      }
    }
    expect(failures).toEqual([]);
    // Every kind of awaited call the recording saw was made to fail at least once.
    expect([...new Set(recorder.steps)].filter((name) => !covered.has(name))).toEqual([]);
  }, 600_000);
});
