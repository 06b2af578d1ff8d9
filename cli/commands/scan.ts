import { readFile } from "node:fs/promises";
import { DefaultAzureCredential } from "@azure/identity";
import { Command, Option } from "commander";
import { type Emulator, startEmulator, staticCredential } from "../../emulator/index.js";
import { DEFAULT_ARM_ENDPOINT, SETTINGS, type ScopeConfig } from "../../shared/config.js";
import { type SubscriptionCoverage, readEventWiring } from "../../shared/eventCoverage/eventWiring.js";
import { newTally } from "../../shared/evaluate/evaluateItems.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { resolveSweepScope } from "../../shared/handlers/subscriptionScope.js";
import type { ArmRestClient } from "../../shared/readers/armRestClient.js";
import { type AzureConnection, type AzureReaders, createAzureReaders } from "../../shared/readers/azureReaders.js";
import { listSubscriptions } from "../../shared/readers/subscriptionLister.js";
import { READER_REQUEST_KINDS, ReaderStats, type ThrottleWait } from "../../shared/readers/readerStats.js";
import type { ResourceGraphScope } from "../../shared/readers/resourceGraphReader.js";
import { type ScanProgress, scanEstate } from "../../shared/scan/scanEstate.js";
import { InputError, ScopeError, UsageError } from "../errors.js";
import { type ReportOptions, addReportOptions, renderReport } from "../report.js";
import { WarningCollector, tallyWarnings } from "../warnings.js";
import { parseInstant } from "./evaluate.js";

export interface ScanCommandOptions extends ReportOptions {
  readonly subscription?: readonly string[];
  readonly managementGroup?: readonly string[];
  readonly emulator?: boolean;
  readonly emulatorResources: string;
  readonly emulatorSubscriptions: string;
  readonly emulatorSeed: string;
  readonly emulatorUrl?: string;
  readonly emulatorCa?: string;
  readonly armEndpoint?: string;
  readonly at?: string;
  readonly stats?: boolean;
  readonly eventsIdentity?: string;
  readonly progress?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerScanCommand(program: Command, onExitCode: (code: number) => void = (code) => (process.exitCode = code)): void {
  addReportOptions(
    program
      .command("scan")
      .description("evaluate live vaults and Managed HSMs through Resource Graph and ARM (DefaultAzureCredential), or an in-process emulator")
      .addOption(new Option("-s, --subscription <id>", "subscription to scan (repeatable); default: every subscription the identity can read").argParser(collect))
      .addOption(new Option("-m, --management-group <id>", "management group to scan, with every subscription below it (repeatable)").argParser(collect))
      .option("--emulator", "scan a generated estate on an in-process emulator instead of Azure")
      .option("--emulator-resources <n>", "resources in the emulator's estate", "200")
      .option("--emulator-subscriptions <n>", "subscriptions in the emulator's estate", "4")
      .option("--emulator-seed <n>", "seed of the emulator's estate", "1")
      .option("--emulator-url <url>", "scan a running `vaultwatch emulator` at this URL (any bearer token is accepted)")
      .option("--emulator-ca <file>", "the running emulator's CA certificate (or set NODE_EXTRA_CA_CERTS)")
      .option("--arm-endpoint <url>", `Azure Resource Manager endpoint (default: ${SETTINGS.armEndpoint} or ${DEFAULT_ARM_ENDPOINT})`)
      .option("--at <instant>", "evaluate waivers as of this ISO 8601 instant instead of now")
      .option("--stats", "print request counts by kind, throttling waits and each subscription's event wiring on standard error")
      .option("--events-identity <resource-id>", "with --stats: the Event Grid delivery identity of your deployment (azd output VAULTWATCH_EVENTS_IDENTITY_ID), to tell its system topics from others")
      .option("--no-progress", "do not show progress on standard error (it is shown only when standard error is a terminal)"),
  ).action(async (options: ScanCommandOptions) => {
    onExitCode(await scan(options));
  });
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export async function scan(options: ScanCommandOptions): Promise<number> {
  const now = parseInstant(options.at);
  const requestedScope = scopeOf(options);
  if (options.emulator && options.emulatorUrl !== undefined) throw new UsageError("--emulator starts its own emulator; it cannot be combined with --emulator-url");
  const emulator = options.emulator ? await startEmulatorFor(options) : undefined;
  try {
    const connection =
      emulator !== undefined
        ? emulatorConnection(emulator)
        : options.emulatorUrl !== undefined
          ? await runningEmulatorConnection(options.emulatorUrl, options.emulatorCa)
          : azureConnection(options);
    const stats = new ReaderStats();
    const progress = new ProgressLine(options.progress !== false && process.stderr.isTTY === true);
    const readers = createAzureReaders(connection, { stats, onThrottleWait: (wait) => progress.throttled(wait) });
    const tally = newTally();
    const warnings = new WarningCollector();
    // Resource Graph answers a subscription it cannot read with no rows, exactly like an empty one: ask ARM which
    // subscriptions this identity can read, so that an unreadable one is named instead of passing as "no vaults".
    const { scope, unreadable } = await readableScope(requestedScope, readers.arm);
    const evaluations = scanEstate({
      scope,
      now,
      resourceGraph: readers.resourceGraph,
      diagnosticSettings: readers.diagnosticSettings,
      onProgress: (update) => progress.update(update),
      tally,
    });
    async function* collectingWarnings(): AsyncGenerator<ResourceEvaluation> {
      for await (const evaluation of evaluations) {
        warnings.addAll(evaluation.warnings);
        yield evaluation;
      }
    }
    let code: number;
    try {
      code = await renderReport(collectingWarnings(), { ...options, source: describeScan(scope, emulator !== undefined || options.emulatorUrl !== undefined) });
    } finally {
      progress.done();
      warnings.addAll(tallyWarnings(tally));
      if (unreadable.length > 0) {
        warnings.addAll([
          `${unreadable.length} subscription(s) cannot be read by this identity and were not scanned: ${unreadable.join(", ")}. ` +
            "Check the ids, and grant the identity Reader (or the vaultwatch reader role) on them; the exit code is 2.",
        ]);
      }
      warnings.print();
    }
    if (tally.evaluated === 0) {
      process.stderr.write(`vaultwatch: no Key Vault vault or Managed HSM was found in ${describeScope(scope)}.\n`);
    }
    if (options.stats) {
      // Read after the scan; its requests (one Resource Graph query per 1,000 subscriptions) are in the counts.
      const coverage = await scopeCoverage(scope, readers, options.eventsIdentity);
      printStats(stats, emulator);
      process.stderr.write(describeCoverage(coverage, options.eventsIdentity !== undefined));
    }
    return unreadable.length > 0 ? 2 : code;
  } finally {
    await emulator?.stop();
  }
}

/**
 * The scope narrowed to the subscriptions the identity can read (`GET /subscriptions`), with the ones it cannot.
 * None readable is an error: there would be nothing to scan. Management groups are checked by Resource Graph
 * itself, which refuses an unreadable group with 403.
 */
async function readableScope(scope: ResourceGraphScope, arm: ArmRestClient): Promise<{ scope: ResourceGraphScope; unreadable: string[] }> {
  if (scope.kind === "managementGroups") return { scope, unreadable: [] };
  const readable = new Set<string>();
  for await (const subscription of listSubscriptions(arm)) readable.add(subscription.subscriptionId.toLowerCase());
  if (scope.kind === "tenant") {
    if (readable.size === 0) {
      throw new ScopeError("this identity can read no subscription, so there is nothing to scan. Grant it Reader on the subscriptions or management groups to watch, or pass --subscription.");
    }
    return { scope, unreadable: [] };
  }
  const unreadable = scope.subscriptionIds.filter((id) => !readable.has(id.toLowerCase()));
  const kept = scope.subscriptionIds.filter((id) => readable.has(id.toLowerCase()));
  if (kept.length === 0) {
    throw new ScopeError(
      `this identity cannot read ${unreadable.length === 1 ? "subscription" : "any of the subscriptions"} ${unreadable.join(", ")}, so nothing was scanned. ` +
        "Check the ids, and grant the identity Reader (or the vaultwatch reader role) on them.",
    );
  }
  return { scope: { kind: "subscriptions", subscriptionIds: kept }, unreadable };
}

function describeScope(scope: ResourceGraphScope): string {
  switch (scope.kind) {
    case "subscriptions":
      return `subscription(s) ${scope.subscriptionIds.join(", ")}`;
    case "managementGroups":
      return `management group(s) ${scope.managementGroupIds.join(", ")}`;
    case "tenant":
      return "any subscription this identity can read";
  }
}

function scopeOf(options: ScanCommandOptions): ResourceGraphScope {
  const subscriptions = options.subscription ?? [];
  const groups = options.managementGroup ?? [];
  if (subscriptions.length > 0 && groups.length > 0) throw new UsageError("--subscription and --management-group cannot be combined; choose one scope");
  for (const id of subscriptions) {
    if (!GUID.test(id)) throw new UsageError(`--subscription: "${id}" is not a subscription id (a GUID)`);
  }
  for (const id of groups) {
    if (!/^[A-Za-z0-9_\-().]{1,90}$/.test(id)) throw new UsageError(`--management-group: "${id}" is not a management group id`);
  }
  if (subscriptions.length > 0) return { kind: "subscriptions", subscriptionIds: subscriptions };
  if (groups.length > 0) return { kind: "managementGroups", managementGroupIds: groups };
  return { kind: "tenant" };
}

/** The HTML report's "from …": what was scanned. */
function describeScan(scope: ResourceGraphScope, emulated: boolean): string {
  const where =
    scope.kind === "subscriptions"
      ? `subscription${scope.subscriptionIds.length === 1 ? "" : "s"} ${scope.subscriptionIds.join(", ")}`
      : scope.kind === "managementGroups"
        ? `management group${scope.managementGroupIds.length === 1 ? "" : "s"} ${scope.managementGroupIds.join(", ")}`
        : "every subscription the identity can read";
  return `a scan of ${where}${emulated ? " on the Azure emulator" : ""}`;
}

function azureConnection(options: ScanCommandOptions): AzureConnection {
  const endpoint = httpsOrigin("the ARM endpoint", options.armEndpoint ?? process.env[SETTINGS.armEndpoint] ?? DEFAULT_ARM_ENDPOINT);
  return { credential: new DefaultAzureCredential(), endpoint };
}

async function runningEmulatorConnection(url: string, caFile: string | undefined): Promise<AzureConnection> {
  const endpoint = httpsOrigin("--emulator-url", url);
  if (caFile === undefined) return { credential: staticCredential(), endpoint };
  let ca: string;
  try {
    ca = await readFile(caFile, "utf8");
  } catch (error) {
    throw new InputError(`--emulator-ca: cannot read ${caFile} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return { credential: staticCredential(), endpoint, tlsOptions: { ca } };
}

function httpsOrigin(what: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} "${text}" is not a URL; expected e.g. ${DEFAULT_ARM_ENDPOINT}`);
  }
  if (url.protocol !== "https:") throw new UsageError(`${what} must be https (bearer tokens are never sent in clear); got ${text}`);
  return url.origin;
}

function emulatorConnection(emulator: Emulator): AzureConnection {
  const options = emulator.clientOptions();
  return { credential: emulator.credential, endpoint: options.endpoint, tlsOptions: options.tlsOptions, retryOptions: options.retryOptions };
}

async function startEmulatorFor(options: ScanCommandOptions): Promise<Emulator> {
  const resources = wholeNumber("--emulator-resources", options.emulatorResources, 0);
  const subscriptions = wholeNumber("--emulator-subscriptions", options.emulatorSubscriptions, 1);
  const seed = wholeNumber("--emulator-seed", options.emulatorSeed, 0);
  return startEmulator({ estate: { resources, subscriptions, seed } });
}

export function wholeNumber(flag: string, text: string, minimum: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < minimum) {
    throw new UsageError(`${flag}: expected a whole number of at least ${minimum}; got "${text}"`);
  }
  return value;
}

/** Each subscription of the scan's scope with its event wiring (the CLI keeps no last-event times). */
async function scopeCoverage(scope: ResourceGraphScope, readers: AzureReaders, eventsIdentity: string | undefined): Promise<SubscriptionCoverage[] | string> {
  try {
    const config: ScopeConfig = scope.kind === "managementGroups" ? { subscriptionIds: [], managementGroups: scope.managementGroupIds } : { subscriptionIds: [], managementGroups: [] };
    const subscriptionIds =
      scope.kind === "subscriptions" ? scope.subscriptionIds : (await resolveSweepScope(config, { arm: readers.arm, resourceGraph: readers.resourceGraphClient })).subscriptionIds;
    return await readEventWiring(readers.resourceGraphClient, subscriptionIds, eventsIdentity);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function describeCoverage(coverage: readonly SubscriptionCoverage[] | string, identityKnown: boolean): string {
  if (typeof coverage === "string") return `event wiring: could not be read: ${coverage}\n`;
  const counts = new Map<string, number>();
  for (const entry of coverage) counts.set(entry.wiring, (counts.get(entry.wiring) ?? 0) + 1);
  const lines = [
    `event wiring of ${coverage.length} subscription(s) in scope: ${[...counts].map(([wiring, count]) => `${count} ${wiring}`).join(", ") || "none"}`,
    ...coverage.map((entry) => `  ${entry.subscriptionId}: ${entry.wiring}${entry.topicId === undefined ? "" : ` (${entry.topicId})`}${entry.reason === undefined ? "" : `: ${entry.reason}`}`),
  ];
  if (!identityKnown) lines.push("  (without --events-identity a system topic cannot be attributed to your deployment: TopicWithoutIdentity)");
  return `${lines.join("\n")}\n`;
}

function printStats(stats: ReaderStats, emulator: Emulator | undefined): void {
  const lines = [
    "requests sent (every attempt, retries included):",
    ...READER_REQUEST_KINDS.filter((kind) => stats.requests[kind] > 0).map((kind) => `  ${kind}: ${stats.requests[kind]} (throttled ${stats.throttled[kind]})`),
    `  diagnostic settings read through /batch: ${stats.batchItems}`,
    `throttling waits: ${stats.throttleWaits} (${(stats.throttleWaitMs / 1000).toFixed(1)} s)`,
  ];
  if (emulator !== undefined) {
    const served = emulator.counters.snapshot();
    lines.push(
      "emulator served:",
      ...Object.entries(served.requests)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => `  ${kind}: ${count}`),
      ...Object.entries(served.batchItems)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => `  ${kind} (inside /batch): ${count}`),
    );
  }
  process.stderr.write(`${lines.join("\n")}\n`);
}

/** One self-overwriting status line on a terminal; silent otherwise. */
class ProgressLine {
  private last: ScanProgress | undefined;
  private waits = 0;
  private waitMs = 0;
  private shown = false;

  constructor(private readonly enabled: boolean) {}

  update(progress: ScanProgress): void {
    this.last = progress;
    this.render();
  }

  throttled(wait: ThrottleWait): void {
    this.waits += 1;
    this.waitMs += wait.milliseconds;
    this.render();
  }

  done(): void {
    if (this.enabled && this.shown) process.stderr.write("\n");
  }

  private render(): void {
    if (!this.enabled || this.last === undefined) return;
    const { pages, resources, elapsedMs } = this.last;
    const rate = elapsedMs > 0 ? Math.round((resources * 1000) / elapsedMs) : 0;
    const waits = this.waits > 0 ? ` · throttling waits ${this.waits} (${(this.waitMs / 1000).toFixed(1)} s)` : "";
    process.stderr.write(`\rscanning: ${pages} page(s) · ${resources} resource(s) · ${rate}/s${waits}\u001b[K`);
    this.shown = true;
  }
}
