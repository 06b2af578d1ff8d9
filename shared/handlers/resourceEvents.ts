import { createHash } from "node:crypto";
import { evaluateResource } from "../evaluate/evaluate.js";
import { type TargetWork, coalesceChanges } from "../events/coalesce.js";
import { type EventCause, type KeyVaultTarget, type ResourceChange, resourceChangeOf } from "../events/resourceChange.js";
import { exclusionOf } from "../governance/exceptions.js";
import type { GovernanceConfig } from "../governance/governanceConfig.js";
import { armIdKey, parseArmId } from "../model/armId.js";
import { normaliseResource } from "../normalise/normaliseResource.js";
import type { DiagnosticSettingsReader } from "../readers/diagnosticSettingsReader.js";
import { withDiagnosticSettings } from "../readers/diagnosticSettingsReader.js";
import type { KeyVaultResourceReader } from "../readers/keyVaultResourceReader.js";
import type { CachedPolicyExemptions } from "../readers/policyExemptionReader.js";
import type { PrivateEndpointReader } from "../readers/privateEndpointReader.js";
import type { WriteReport, FindingsWriter } from "../sink/findingsWriter.js";
import type { FindingRow } from "../sink/findingsSchema.js";
import type { RunContext } from "../sink/runContext.js";
import { type StateChange, type TableStateStore, rowsToWrite } from "../state/tableStateStore.js";
import { TOOL_VERSION } from "../version.js";
import type { EventScope } from "./eventScope.js";
import { errorText, mapWithConcurrency } from "./invocation.js";

/** What the event worker needs; every piece is injected so tests and the benchmark point it at the emulator. */
export interface EventWorkerDependencies {
  readonly keyVaultReader: Pick<KeyVaultResourceReader, "read">;
  readonly privateEndpointReader: Pick<PrivateEndpointReader, "read">;
  readonly diagnosticSettingsReader: Pick<DiagnosticSettingsReader, "read">;
  readonly stateStore: Pick<TableStateStore, "read" | "apply" | "remove" | "acknowledge">;
  readonly writer: Pick<FindingsWriter, "write">;
  /** The subscriptions vaultwatch watches; an event outside them is dropped before any read. */
  readonly eventScope: EventScope;
  readonly clock?: () => Date;
  readonly toolVersion?: string;
  readonly governance?: GovernanceConfig;
  /** The subscription's Azure Policy exemptions, so an event judges waivers as the sweep does. */
  readonly policyExemptionCache?: Pick<CachedPolicyExemptions, "forSubscription">;
}

/**
 * How far ahead of this worker's clock an observation may be dated. Event times and `resourceEventTime` come from
 * the event (a forged or badly clocked one can say 2099), and `systemData.lastModifiedAt` from the resource
 * provider's clock; state ordering trusts them only up to processing time plus this skew, so no payload can freeze
 * a resource's state until its date comes. Thirty seconds covers clocks NTP keeps in step with room to spare, and
 * is short next to the sweep's Resource Graph allowance (five minutes), so a sweep is never held off by it.
 */
export const EVENT_CLOCK_SKEW_MS = 30_000;

/** `observedAt`, or processing time plus the allowed skew when the event claims a later time. */
export function capObservedAt(observedAt: Date, now: Date): Date {
  const limit = now.getTime() + EVENT_CLOCK_SKEW_MS;
  return observedAt.getTime() > limit ? new Date(limit) : observedAt;
}

/** Vaults and HSMs of one delivery worked on at once (each is an ARM GET and a diagnostic-settings read). */
const TARGET_CONCURRENCY = 4;

export interface RejectedEvent {
  readonly eventId: string | undefined;
  readonly reason: string;
  /** The event as delivered, kept for the poison queue. */
  readonly event: unknown;
}

/** What happened to one vault or HSM named by the delivery. */
export type TargetOutcome =
  | { readonly kind: "evaluated"; readonly target: KeyVaultTarget; readonly change: StateChange["outcome"]; readonly rows: number }
  | { readonly kind: "removed"; readonly target: KeyVaultTarget; readonly change: StateChange["outcome"]; readonly rows: number }
  /** A payload not newer than the last applied observation: nothing was read or written. */
  | { readonly kind: "stalePayload"; readonly target: KeyVaultTarget }
  /** The configuration excludes the resource: nothing is evaluated or written. */
  | { readonly kind: "excluded"; readonly target: KeyVaultTarget; readonly reason: string }
  /** The resource's subscription is outside the configured scope: nothing was read or written. */
  | { readonly kind: "outOfScope"; readonly target: KeyVaultTarget }
  /** The identity may not read the resource: nothing to evaluate; outside what the sweep can see too. */
  | { readonly kind: "forbidden"; readonly target: KeyVaultTarget; readonly reason: string }
  /** A read or write failed (throttled past retries, outage, a body ARM should not send): the delivery must be retried. */
  | { readonly kind: "failed"; readonly target: KeyVaultTarget; readonly reason: string };

export interface PrivateEndpointOutcome {
  readonly privateEndpointId: string;
  /** `followed`: read, and the vaults or HSMs it connects to re-read. `leftForSweep`: it could not be followed. */
  readonly kind: "followed" | "leftForSweep" | "failed" | "outOfScope";
  readonly targets: number;
  readonly reason?: string;
}

export interface EventBatchResult {
  readonly events: number;
  readonly rejected: readonly RejectedEvent[];
  readonly ignored: number;
  /** Events (vault, HSM or private endpoint) for a subscription outside the configured scope: dropped unread. */
  readonly outOfScope: number;
  readonly privateEndpoints: readonly PrivateEndpointOutcome[];
  readonly targets: readonly TargetOutcome[];
  readonly rows: number;
  /** Absent when there was nothing to write. */
  readonly write: WriteReport | undefined;
  /** Why the delivery must be retried; empty when all of it was done. */
  readonly failures: readonly string[];
  readonly startedAt: Date;
  /** When the rows were delivered or spooled: the end of the function-side path from event to upload. */
  readonly finishedAt: Date;
}

const SAFE_EVENT_ID = /^[A-Za-z0-9-]{1,80}$/;

/**
 * Rows of one event share a run id derived from the event id, so a redelivered event yields rows that collapse
 * with the first delivery's in KQL, and a replayed payload is recognised by the state store.
 */
export function eventRunId(eventId: string): string {
  if (SAFE_EVENT_ID.test(eventId)) return `event-${eventId}`;
  return `event-h${createHash("sha256").update(eventId, "utf8").digest("hex").slice(0, 40)}`;
}

function runFor(cause: EventCause, toolVersion: string): RunContext {
  return {
    runId: eventRunId(cause.eventId),
    trigger: "event",
    toolVersion,
    event: { eventId: cause.eventId, eventTime: cause.eventTime, ...(cause.attribution === undefined ? {} : { attribution: cause.attribution }) },
  };
}

type TargetChange = Extract<ResourceChange, { kind: "reread" | "payload" | "deleted" }>;

/**
 * Handles the events of one delivery (events are hints, reads are truth). Each event is
 * classified; private endpoints are read to find the vaults they connect to; the changes are coalesced so each
 * vault or HSM is read once; each is re-read through ARM (or its payload used when newer than what was last
 * applied, or its deletion recorded), evaluated, applied to the state store and the rows written in one upload.
 * Never throws for one event or one resource: failures are reported so the caller decides about retries.
 */
export async function processResourceEvents(events: readonly unknown[], deps: EventWorkerDependencies): Promise<EventBatchResult> {
  const clock = deps.clock ?? (() => new Date());
  const toolVersion = deps.toolVersion ?? TOOL_VERSION;
  const startedAt = clock();
  const rejected: RejectedEvent[] = [];
  const targetChanges: TargetChange[] = [];
  const endpointChanges: Extract<ResourceChange, { kind: "privateEndpoint" }>[] = [];
  let ignored = 0;

  for (const event of events) {
    const change = resourceChangeOf(event);
    switch (change.kind) {
      case "rejected":
        rejected.push({ eventId: change.eventId, reason: change.reason, event });
        break;
      case "ignored":
        ignored += 1;
        break;
      case "privateEndpoint":
        endpointChanges.push(change);
        break;
      default:
        targetChanges.push(change);
    }
  }

  const failures: string[] = [];
  const inScope = async (id: string): Promise<boolean | undefined> => {
    const parsed = parseArmId(id);
    if (!parsed.ok) return false;
    try {
      return await deps.eventScope.contains(parsed.value.subscriptionId);
    } catch (error) {
      failures.push(`the scope (${deps.eventScope.describe()}) could not be resolved for ${id}: ${errorText(error)}`);
      return undefined;
    }
  };

  const privateEndpoints: PrivateEndpointOutcome[] = [];
  for (const change of endpointChanges) {
    const scoped = await inScope(change.privateEndpointId);
    if (scoped === undefined) continue;
    if (!scoped) {
      privateEndpoints.push({ privateEndpointId: change.privateEndpointId, kind: "outOfScope", targets: 0 });
      continue;
    }
    const followed = await followPrivateEndpoint(change, deps);
    privateEndpoints.push(followed.outcome);
    targetChanges.push(...followed.changes);
  }

  const work: TargetWork[] = [];
  const outOfScopeTargets: TargetOutcome[] = [];
  for (const item of coalesceChanges(targetChanges)) {
    const scoped = await inScope(item.target.id);
    if (scoped === true) work.push(item);
    else if (scoped === false) outOfScopeTargets.push({ kind: "outOfScope", target: item.target });
  }

  const changes: { resourceId: string; change: StateChange }[] = [];
  const evaluated = await mapWithConcurrency(work, TARGET_CONCURRENCY, async (item) => {
    try {
      const done = await processTarget(item, deps, clock, toolVersion);
      if ("change" in done) changes.push({ resourceId: item.target.id, change: done.change });
      return done.outcome;
    } catch (error) {
      return { kind: "failed", target: item.target, reason: `${item.target.id}: ${errorText(error)}` } satisfies TargetOutcome;
    }
  });
  const targets = [...evaluated, ...outOfScopeTargets];

  failures.push(
    ...privateEndpoints.filter((outcome) => outcome.kind === "failed").map((outcome) => outcome.reason ?? outcome.privateEndpointId),
    ...targets.flatMap((outcome) => (outcome.kind === "failed" ? [outcome.reason] : [])),
  );
  // Each change's own rows and its resource's outbox (rows an earlier worker committed and did not deliver).
  const rows: FindingRow[] = changes.flatMap(({ change }) => rowsToWrite(change));
  let write: WriteReport | undefined;
  if (rows.length > 0) {
    try {
      write = await deps.writer.write(rows);
    } catch (error) {
      // The writer spools what it cannot deliver; it only throws when it could not even keep the rows. They stay
      // in the outboxes, and the redelivery (or any later worker on these resources) writes them.
      failures.push(`findings rows could be neither delivered nor spooled: ${errorText(error)}`);
    }
  }
  if (write !== undefined) {
    // Delivered or durably spooled: out of the outboxes. A failure here only means the rows are written again later.
    await mapWithConcurrency(changes, TARGET_CONCURRENCY, async ({ resourceId, change }) => {
      try {
        await deps.stateStore.acknowledge(resourceId, change.pending);
      } catch {
        // Left in the outbox: delivered again by the next worker on this resource, collapsed by row identity.
      }
    });
  }
  const outOfScope = outOfScopeTargets.length + privateEndpoints.filter((outcome) => outcome.kind === "outOfScope").length;
  return { events: events.length, rejected, ignored, outOfScope, privateEndpoints, targets, rows: rows.length, write, failures, startedAt, finishedAt: clock() };
}

async function followPrivateEndpoint(
  change: Extract<ResourceChange, { kind: "privateEndpoint" }>,
  deps: EventWorkerDependencies,
): Promise<{ outcome: PrivateEndpointOutcome; changes: TargetChange[] }> {
  const id = change.privateEndpointId;
  const leftForSweep = (reason: string) => ({ outcome: { privateEndpointId: id, kind: "leftForSweep" as const, targets: 0, reason }, changes: [] });
  if (change.deleted) {
    // A deleted endpoint cannot be read, and the state store does not index vaults by endpoint.
    return leftForSweep("the private endpoint was deleted, so the vaults it connected to are left for the next sweep");
  }
  let result;
  try {
    result = await deps.privateEndpointReader.read(id);
  } catch (error) {
    return { outcome: { privateEndpointId: id, kind: "failed", targets: 0, reason: `${id}: ${errorText(error)}` }, changes: [] };
  }
  if (result.state === "deleted") return leftForSweep("the private endpoint no longer exists, so the vaults it connected to are left for the next sweep");
  if (result.state !== "found") return leftForSweep(`the private endpoint could not be read (${result.reason}); its vaults are left for the next sweep`);
  const seen = new Set<string>();
  const changes: TargetChange[] = [];
  for (const link of result.targets) {
    const resource = link.keyVaultResource;
    if (resource === undefined || seen.has(armIdKey(resource.id))) continue;
    seen.add(armIdKey(resource.id));
    changes.push({ kind: "reread", target: { id: resource.id, key: armIdKey(resource.id), kind: resource.kind }, cause: change.cause });
  }
  return { outcome: { privateEndpointId: id, kind: "followed", targets: changes.length }, changes };
}

type ProcessedTarget = { readonly outcome: TargetOutcome; readonly change: StateChange } | { readonly outcome: TargetOutcome };

/** A state read that found rows waiting in the outbox hands them on as a change with no rows of its own. */
function drainOnly(pending: StateChange["pending"], lastObservedAt: Date): StateChange {
  return { outcome: "stale", rows: [], pending, reason: "payload not newer than the applied observation", lastObservedAt };
}

async function processTarget(work: TargetWork, deps: EventWorkerDependencies, clock: () => Date, toolVersion: string): Promise<ProcessedTarget> {
  const run = runFor(work.cause, toolVersion);
  if (work.kind === "payload") {
    // The payload is a hint dated by the event: it may spare a read, never move state past now.
    const observedAt = capObservedAt(work.observedAt, clock());
    const last = await deps.stateStore.read(work.target.id);
    if (last !== undefined && last.observedAt.getTime() >= observedAt.getTime()) {
      return { outcome: { kind: "stalePayload", target: work.target }, change: drainOnly(last.outbox, last.observedAt) };
    }
    return evaluateAndApply(work.target, work.resource, observedAt, deps, clock, run);
  }
  // A re-read, or a deletion: an event saying "deleted" is confirmed by ARM (404 or 410) before anything is removed,
  // and a vault that answers 200 is evaluated as it is. Both are dated by when the read started, never by the event.
  const readStartedAt = clock();
  const read = await deps.keyVaultReader.read(work.target.id);
  switch (read.state) {
    case "deleted": {
      const change = await deps.stateStore.remove(work.target.id, readStartedAt, run);
      return { outcome: { kind: "removed", target: work.target, change: change.outcome, rows: change.rows.length }, change };
    }
    case "forbidden":
      return { outcome: { kind: "forbidden", target: work.target, reason: read.reason } };
    case "malformed":
      return { outcome: { kind: "failed", target: work.target, reason: `${work.target.id}: ${read.reason}` } };
    case "found":
      return evaluateAndApply(work.target, read.resource, capObservedAt(observedAtOfRead(readStartedAt, read.resource), clock()), deps, clock, run);
  }
}

/**
 * A read reflects the resource at least as of the read's start, and at least as of its own last modification:
 * taking the later of the two keeps a payload of a change the read already includes from being applied after
 * it, even when the resource provider's clock runs ahead of this one.
 */
export function observedAtOfRead(readStartedAt: Date, body: Readonly<Record<string, unknown>>): Date {
  const systemData = body["systemData"];
  const modified = typeof systemData === "object" && systemData !== null ? (systemData as Record<string, unknown>)["lastModifiedAt"] : undefined;
  const modifiedAt = typeof modified === "string" ? Date.parse(modified) : Number.NaN;
  return Number.isFinite(modifiedAt) && modifiedAt > readStartedAt.getTime() ? new Date(modifiedAt) : readStartedAt;
}

async function evaluateAndApply(
  target: KeyVaultTarget,
  resource: Readonly<Record<string, unknown>>,
  observedAt: Date,
  deps: EventWorkerDependencies,
  clock: () => Date,
  run: RunContext,
): Promise<ProcessedTarget> {
  const [settings] = await deps.diagnosticSettingsReader.read([target.id]);
  const raw = withDiagnosticSettings(resource, settings ?? { state: "unreadable", reason: "Diagnostic settings were not read." });
  const normalised = normaliseResource(raw);
  if (!normalised.ok) {
    const why = normalised.skipped ? `it is a ${normalised.type}, not a vault or Managed HSM` : normalised.error;
    return { outcome: { kind: "failed", target, reason: `${target.id} could not be evaluated: ${why}` } };
  }
  if (armIdKey(normalised.resource.id) !== target.key) {
    return { outcome: { kind: "failed", target, reason: `${target.id} could not be evaluated: the body describes ${normalised.resource.id}` } };
  }
  const exclusion = deps.governance === undefined ? undefined : exclusionOf(normalised.resource, deps.governance);
  if (exclusion !== undefined) return { outcome: { kind: "excluded", target, reason: exclusion.reason } };
  const exemptions =
    deps.policyExemptionCache !== undefined && deps.governance?.azurePolicyExemptions !== "ignore"
      ? (await deps.policyExemptionCache.forSubscription(normalised.resource.subscriptionId)).index
      : undefined;
  const evaluation = evaluateResource(normalised.resource, {
    now: clock(),
    ...(deps.governance === undefined ? {} : { governance: deps.governance }),
    ...(exemptions === undefined ? {} : { policyExemptions: exemptions }),
  });
  const change = await deps.stateStore.apply(evaluation, observedAt, run);
  return { outcome: { kind: "evaluated", target, change: change.outcome, rows: change.rows.length }, change };
}

/** One line of counts for the invocation log. */
export function describeEventBatch(result: EventBatchResult): string {
  const count = (kind: TargetOutcome["kind"]) => result.targets.filter((outcome) => outcome.kind === kind).length;
  const stale = result.targets.filter((outcome) => (outcome.kind === "evaluated" || outcome.kind === "removed") && outcome.change === "stale").length;
  const parts = [
    `${result.events} event(s)`,
    `${result.rejected.length} rejected`,
    `${result.ignored} ignored`,
    `${result.outOfScope} out of scope`,
    `${result.privateEndpoints.length} private endpoint(s) (${result.privateEndpoints.filter((p) => p.kind === "leftForSweep").length} left for the sweep)`,
    `${result.targets.length} vault/HSM target(s): ${count("evaluated")} evaluated, ${count("removed")} removed, ${count("stalePayload") + stale} stale, ${count("forbidden")} forbidden, ${count("excluded")} excluded, ${count("failed")} failed`,
    // The delivery-backlog alert reads "N spooled, N refused" from this line: keep that wording.
    `${result.rows} row(s): ${result.write?.delivered ?? 0} delivered, ${result.write?.spooled ?? 0} spooled, ${result.write?.rejected.length ?? 0} refused` +
      (result.write !== undefined && result.write.failureReasons.length > 0 ? ` (spooled because: ${result.write.failureReasons.join("; ")})` : ""),
    `${result.finishedAt.getTime() - result.startedAt.getTime()} ms`,
  ];
  return parts.join("; ");
}
