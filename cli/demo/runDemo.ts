import { readFile } from "node:fs/promises";
import type { Timer } from "@azure/functions";
import { InvocationContext } from "../../shared/handlers/functionsRuntime.js";
import { Estate, type JsonObject } from "../../emulator/estate.js";
import { type Emulator, startEmulator } from "../../emulator/index.js";
import { loadConfig } from "../../shared/config.js";
import { type HandlerDependencies, createHandlerDependencies } from "../../shared/handlers/dependencies.js";
import { handleEventQueueMessage } from "../../shared/handlers/eventHandlers.js";
import { handleShardMessage } from "../../shared/handlers/shardHandler.js";
import { handleSweepTimer } from "../../shared/handlers/sweepTimerHandler.js";
import { EVENT_QUEUE_NAME, SHARD_QUEUE_NAME } from "../../shared/queues/queueNames.js";
import { encodeQueueMessage } from "../../shared/queues/queueMessage.js";
import type { FindingRow, FindingsRow } from "../../shared/sink/findingsSchema.js";
import { FINDINGS_STREAM_NAME } from "../../shared/sink/findingsSchema.js";
import { type LocalAzurite, startAzurite } from "./localAzurite.js";
import { queueClientFor } from "../../shared/state/storageClients.js";
import { writeHtmlReport } from "../html/htmlReport.js";
import { latestFindings, reportTransitions, resourcesFromRows, transitionRows } from "../html/latestFindings.js";
import { ReportOutput } from "../output/reportOutput.js";
import { type DemoSummary, summariseLatest } from "./demoSummary.js";
import { describeChanges } from "./describeTransition.js";
import { drainQueue } from "./queueDrain.js";
import { STORY, stagingWaiverTag } from "./story.js";
import { DEMO_SUBSCRIPTIONS, DEMO_TENANT_ID, STORY_IDS } from "./storyResources.js";

export interface DemoOptions {
  readonly estatePath: string;
  readonly reportPath: string;
  /** Progress and story lines, as they happen. */
  readonly print: (line: string) => void;
}

export interface DemoResult {
  readonly summary: DemoSummary;
  /** Every record the emulator's Logs Ingestion endpoint accepted, in order. */
  readonly ledger: readonly FindingsRow[];
  /** The rows the story's changes produced that changed something. */
  readonly storyTransitions: readonly FindingRow[];
  readonly reportPath: string;
}

const DEMO_SUBSCRIPTION_NAMES = ["Production", "Platform", "Data"];
const DEMO_DCR = "dcr-0123456789abcdef0123456789abcdef";
const DAY_MS = 86_400_000;

/**
 * The whole pipeline on the bundled estate, through the real function handlers: the emulator stands in for Azure,
 * Azurite for storage. One sweep (timer, shard queue, shard workers), then the story's changes delivered as Event
 * Grid events through the event queue, then the findings read back from the Log Analytics ledger.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { print } = options;
  let clockOffsetMs = 0;
  const clock = (): Date => new Date(Date.now() + clockOffsetMs);

  const estate = await loadEstate(options.estatePath, clock);
  print(`Starting the Azure emulator with ${estate.resourceCount} vaults and HSMs over ${DEMO_SUBSCRIPTIONS.length} subscriptions, and Azurite…`);
  let emulator: Emulator | undefined;
  let azurite: LocalAzurite | undefined;
  try {
    [emulator, azurite] = await Promise.all([startEmulator({ estate: estate.estate }), startAzurite()]);
    const config = loadConfig({
      VAULTWATCH_INGESTION_ENDPOINT: emulator.url,
      VAULTWATCH_DCR_IMMUTABLE_ID: DEMO_DCR,
      VAULTWATCH_SUBSCRIPTION_IDS: DEMO_SUBSCRIPTIONS.join(","),
      VAULTWATCH_ARM_ENDPOINT: emulator.url,
      AzureWebJobsStorage: azurite.connectionString,
    });
    const deps = await createHandlerDependencies(config, {
      connection: {
        credential: emulator.credential,
        endpoint: emulator.url,
        tlsOptions: { ca: emulator.caPem },
        retryOptions: { maxRetries: 3, retryDelayInMs: 50, maxRetryDelayInMs: 500 },
      },
      clock,
    });
    const shardQueue = queueClientFor(config.storage, SHARD_QUEUE_NAME);
    const eventQueue = queueClientFor(config.storage, EVENT_QUEUE_NAME);
    await eventQueue.createIfNotExists();
    const ledger = (): FindingsRow[] => emulator?.ledger.records(FINDINGS_STREAM_NAME) as unknown as FindingsRow[];

    const started = Date.now();
    print("Sweep: the timer plans shards, the shard workers read Resource Graph and diagnostic settings, evaluate and upload…");
    await sweep(deps, shardQueue);
    const afterSweep = ledger().length;
    print(`  ${afterSweep} rows uploaded in ${((Date.now() - started) / 1000).toFixed(1)} s (${emulator.counters.requests.resourceGraph} Resource Graph quer${emulator.counters.requests.resourceGraph === 1 ? "y" : "ies"}, ${emulator.counters.requests.batch} diagnostic-settings batches).`);
    print(describeBaseline(ledger().slice(0, afterSweep)));

    print("\nThe story: changes arrive as Event Grid events, one resource re-read per event.");
    let seen = afterSweep;
    for (const step of STORY) {
      clockOffsetMs += (step.advanceDays ?? 0) * DAY_MS;
      print(`\n▶ ${step.title}`);
      const events = step.apply({ estate: estate.estate, now: clock });
      if (step.delivery === "sweep") {
        await sweep(deps, shardQueue);
      } else {
        for (const event of events) await eventQueue.sendMessage(encodeQueueMessage(event));
        await drainQueue(eventQueue, "resourceEventsFromQueue", (message, context) => handleEventQueueMessage(message, context, deps), quietContext());
      }
      const fresh = ledger().slice(seen);
      seen += fresh.length;
      const lines = describeChanges(transitionRows(fresh));
      if (lines.length === 0) print("  (no control changed)");
      for (const line of lines) print(line);
    }

    const rows = ledger();
    const storyTransitions = transitionRows(rows.slice(afterSweep));
    const latest = latestFindings(rows);
    const summary = summariseLatest(latest);
    const subscriptionNames = new Map(DEMO_SUBSCRIPTIONS.map((id, index) => [id.toLowerCase(), DEMO_SUBSCRIPTION_NAMES[index] ?? id]));
    const resources = resourcesFromRows(latest, (id) => subscriptionNames.get(id.toLowerCase())).sort(
      (a, b) => (a.score ?? Infinity) - (b.score ?? Infinity) || a.name.localeCompare(b.name),
    );
    await writeHtmlReport(
      resources,
      {
        title: "vaultwatch demo estate",
        source: "the findings the demo's pipeline wrote to Log Analytics (latest state per resource and control)",
        simulatedClock: clock(),
        transitions: reportTransitions(storyTransitions),
      },
      ReportOutput.toFile(options.reportPath),
    );
    return { summary, ledger: rows, storyTransitions, reportPath: options.reportPath };
  } finally {
    await Promise.allSettled([emulator?.stop(), azurite?.stop()]);
  }
}

/** The first sweep is the deployment's baseline: what it found was already there, so it raises no `New` alert. */
export function describeBaseline(rows: readonly FindingsRow[]): string {
  const summary = rows.find((row) => row.RecordType === "RunSummary")?.RunSummary as { baseline?: { failures: number; failuresBySeverity: Record<string, number> } } | undefined;
  const baseline = summary?.baseline;
  if (baseline === undefined) return "  This sweep was not a baseline: what it found is compared with earlier sweeps.";
  const bySeverity = baseline.failuresBySeverity;
  return (
    `  Baseline: the first full sweep recorded what was already there, ${baseline.failures} failure(s) ` +
    `(${bySeverity.High ?? 0} high, ${bySeverity.Medium ?? 0} medium, ${bySeverity.Low ?? 0} low), as Baseline rather than New: one informational alert instead of one per failure.`
  );
}

async function sweep(deps: HandlerDependencies, shardQueue: ReturnType<typeof queueClientFor>): Promise<void> {
  const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
  await handleSweepTimer(timer, new InvocationContext({ functionName: "sweepTimer", ...quietContext() }), deps);
  await drainQueue(shardQueue, "sweepShard", (message, context) => handleShardMessage(message, context, deps), quietContext());
}

/** Handlers log through their context; the demo prints its own story, so only warnings and errors get through. */
function quietContext(): { logHandler: (level: string, ...args: unknown[]) => void } {
  return {
    logHandler: (level, ...args) => {
      if (level === "warning" || level === "error" || level === "critical") process.stderr.write(`  [${level}] ${args.map(String).join(" ")}\n`);
    },
  };
}

interface LoadedEstate {
  readonly estate: Estate;
  readonly resourceCount: number;
}

/** Builds the emulator's estate from the bundled JSON (ARM bodies with their diagnostic settings attached). */
async function loadEstate(path: string, clock: () => Date): Promise<LoadedEstate> {
  const bodies = JSON.parse(await readFile(path, "utf8")) as JsonObject[];
  const estate = new Estate(DEMO_TENANT_ID, clock);
  const rootGroup = DEMO_TENANT_ID;
  estate.addManagementGroup(rootGroup);
  DEMO_SUBSCRIPTIONS.forEach((subscriptionId, index) =>
    estate.addSubscription({ subscriptionId, displayName: DEMO_SUBSCRIPTION_NAMES[index] ?? subscriptionId, tenantId: DEMO_TENANT_ID, managementGroupId: rootGroup }),
  );
  for (const { diagnosticSettings, diagnosticSettingsError, ...body } of bodies) {
    if (body.id === STORY_IDS.stagingVault) body.tags = { ...(body.tags as object), "vaultwatch-waiver": stagingWaiverTag(clock()) };
    estate.upsertResource(body, { keepSystemData: true });
    const id = String(body.id);
    if (Array.isArray(diagnosticSettings)) estate.setDiagnosticSettings(id, diagnosticSettings as JsonObject[], { keepSystemData: true });
    if (diagnosticSettingsError !== undefined) estate.setDiagnosticSettingsForbidden(id, true);
  }
  return { estate, resourceCount: bodies.length };
}
