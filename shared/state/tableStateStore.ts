import { gunzipSync, gzipSync } from "node:zlib";
import { isRestError } from "@azure/core-rest-pipeline";
import type { TableClient, TableEntityResult } from "@azure/data-tables";
import { z } from "zod";
import type { ResourceEvaluation } from "../model/evaluation.js";
import { EXPOSURE_CLASSES, type ExposureClass } from "../model/exposure.js";
import { type ControlId, SEVERITIES, STATUSES, type ResourceSummary } from "../model/finding.js";
import type { ResourceKind } from "../model/resource.js";
import type { FindingRow } from "../sink/findingsSchema.js";
import type { RunContext } from "../sink/runContext.js";
import { resourceKeys } from "./resourceKeys.js";
import { type ControlTransition, type ControlsMemory, type RemovedControl, computeTransitions, removedControls } from "./transitions.js";

/**
 * Builds the Log Analytics rows of a change the store decided (the sink implements it: `findingRowsBuilder`). The
 * store decides transitions and keeps the rows it is given in the outbox; what a row looks like is the sink's.
 */
export interface ChangeRowBuilder {
  /** One row per finding with its transition, and a `Removed` row for each control that stopped being evaluated. */
  observed(input: {
    readonly evaluation: ResourceEvaluation;
    readonly observedAt: Date;
    readonly run: RunContext;
    readonly transitions: ReadonlyMap<ControlId, ControlTransition>;
    readonly previousExposure: ExposureClass | undefined;
    readonly dropped: readonly RemovedControl[];
  }): FindingRow[];
  /** `Removed` rows for each control of a deleted resource. */
  removed(input: {
    readonly resource: ResourceSummary;
    readonly controls: readonly RemovedControl[];
    readonly observedAt: Date;
    readonly run: RunContext;
    /** Why the rows end: the resource was deleted, or the configuration now excludes it. */
    readonly reason: string;
    readonly previousExposure: ExposureClass | undefined;
  }): FindingRow[];
}

export const STATE_TABLE_NAME = "vaultwatchState";

/**
 * What applying an observation did. `replayed`: the same observation of the same run was applied before
 * (a retried shard or event), so the rows are those of the first application, transitions included.
 * `stale`: an older observation (or one not newer than a deletion) changed nothing and yields no rows.
 *
 * Every outcome carries the resource's outbox (`pending`): rows committed with the state that are not yet
 * known to be delivered or spooled. The caller writes `rows` and `pending` (see `rowsToWrite`) and then calls
 * `acknowledge` with `pending`, whatever the outcome: a stale observation still drains what an earlier worker
 * left behind.
 */
export type StateChange =
  | { readonly outcome: "applied" | "replayed"; readonly rows: readonly FindingRow[]; readonly pending: readonly FindingRow[] }
  | {
      readonly outcome: "stale";
      readonly rows: readonly [];
      readonly pending: readonly FindingRow[];
      readonly reason: string;
      readonly lastObservedAt: Date;
    };

/** The last applied observation of one resource, as the store holds it. */
export interface ResourceState {
  /** The id as first seen; rows of this resource always carry it, so KQL groups them whatever casing a caller used. */
  readonly resourceId: string;
  readonly observedAt: Date;
  readonly runId: string;
  readonly deleted: boolean;
  readonly summary: ResourceSummary | undefined;
  readonly controls: ControlsMemory;
  readonly exposure: ExposureClass | undefined;
  /** State before the last applied observation; `undefined` when that observation was the first. */
  readonly before: { readonly controls: ControlsMemory; readonly exposure: ExposureClass | undefined } | undefined;
  /** Chain rows committed with a state move and not yet acknowledged as delivered or spooled (the outbox). */
  readonly outbox: readonly FindingRow[];
}

/**
 * A row that moves the chain of its resource and control: a first row, a change of status or of exposure, a
 * `New`, `Resolved` or `Removed`. Losing one would break the chain in Log Analytics (a later row's
 * `PreviousStatus` would name a status the ledger never showed) or hide a transition an alert acts on, so these
 * rows travel in the outbox. A row that repeats the previous status is a heartbeat: written, but not kept.
 */
export function movesChain(row: FindingRow): boolean {
  return (
    row.Transition !== "Unchanged" ||
    row.PreviousStatus === undefined ||
    row.PreviousStatus !== row.Status ||
    (row.PreviousExposure !== undefined && row.PreviousExposure !== row.Exposure)
  );
}

/** What identifies one row across redeliveries: the same run, resource, control and observation. */
export function rowIdentity(row: FindingRow): string {
  return `${row.RunId}|${row.AzureResourceId.toLowerCase()}|${row.ControlId}|${row.TimeGenerated}`;
}

/** The rows a caller must write for a change: its own rows and the outbox, each row once. */
export function rowsToWrite(change: StateChange): FindingRow[] {
  const seen = new Set<string>();
  const rows: FindingRow[] = [];
  for (const row of [...change.pending, ...change.rows]) {
    const identity = rowIdentity(row);
    if (seen.has(identity)) continue;
    seen.add(identity);
    rows.push(row);
  }
  return rows;
}

function withOutbox(outbox: readonly FindingRow[], rows: readonly FindingRow[]): FindingRow[] {
  const seen = new Set(outbox.map(rowIdentity));
  return [...outbox, ...rows.filter((row) => movesChain(row) && !seen.has(rowIdentity(row)))];
}

/** A retry that read something different: its rows replace the first attempt's rows of the same identity. */
function replacedInOutbox(outbox: readonly FindingRow[], rows: readonly FindingRow[]): FindingRow[] {
  const replaced = new Set(rows.map(rowIdentity));
  return withOutbox(outbox.filter((row) => !replaced.has(rowIdentity(row))), rows);
}

/** Table Storage keeps a binary property up to 64 KiB and an entity up to 1 MiB; the outbox stays well inside both. */
const OUTBOX_CHUNK_BYTES = 60 * 1024;
const OUTBOX_MAX_CHUNKS = 12;
const OUTBOX_PROPERTY = "Outbox";

function encodeOutbox(resourceId: string, outbox: readonly FindingRow[]): Record<string, Uint8Array> {
  if (outbox.length === 0) return {};
  const packed = gzipSync(Buffer.from(JSON.stringify(outbox), "utf8"));
  const chunks = Math.ceil(packed.length / OUTBOX_CHUNK_BYTES);
  if (chunks > OUTBOX_MAX_CHUNKS) {
    // Refusing the state move keeps the invariant: the caller fails, the queue redelivers, and the next attempt
    // first drains what is waiting. Nothing is lost; the state just does not move past undelivered rows.
    throw new Error(
      `The outbox of ${resourceId} would hold ${outbox.length} undelivered rows (${packed.length} bytes compressed), more than one state record can keep; deliver them first.`,
    );
  }
  const properties: Record<string, Uint8Array> = {};
  for (let index = 0; index < chunks; index += 1) {
    properties[`${OUTBOX_PROPERTY}${index}`] = new Uint8Array(packed.subarray(index * OUTBOX_CHUNK_BYTES, (index + 1) * OUTBOX_CHUNK_BYTES));
  }
  return properties;
}

function decodeOutbox(entity: Record<string, unknown>, resourceId: string): FindingRow[] {
  const chunks: Uint8Array[] = [];
  for (let index = 0; ; index += 1) {
    const chunk = entity[`${OUTBOX_PROPERTY}${index}`];
    if (chunk === undefined) break;
    if (!(chunk instanceof Uint8Array)) throw new Error(`The outbox of ${resourceId} in table ${STATE_TABLE_NAME} is not binary.`);
    chunks.push(chunk);
  }
  if (chunks.length === 0) return [];
  let value: unknown;
  try {
    value = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString("utf8"));
  } catch (error) {
    throw new Error(`The outbox of ${resourceId} in table ${STATE_TABLE_NAME} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(value)) throw new Error(`The outbox of ${resourceId} in table ${STATE_TABLE_NAME} is not a list of rows.`);
  return value as FindingRow[];
}

const ENTITY_VERSION = 1;

const controlsSchema = z.record(
  z.string(),
  z.object({ status: z.enum(STATUSES as [string, ...string[]]), failing: z.boolean(), severity: z.enum(SEVERITIES as [string, ...string[]]) }),
);
const exposureSchema = z.enum([...EXPOSURE_CLASSES, "Unknown"]);
const entitySchema = z.object({
  partitionKey: z.string(),
  rowKey: z.string(),
  etag: z.string(),
  Version: z.literal(ENTITY_VERSION),
  ResourceId: z.string(),
  ObservedAt: z.iso.datetime(),
  RunId: z.string(),
  Deleted: z.boolean(),
  Summary: z.string().optional(),
  Controls: z.string(),
  Exposure: exposureSchema.optional(),
  BeforeControls: z.string().optional(),
  BeforeExposure: exposureSchema.optional(),
});
const summarySchema = z.object({
  resourceId: z.string(),
  resourceType: z.string(),
  kind: z.enum(["vault", "managedHsm"] satisfies ResourceKind[]),
  name: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  location: z.string(),
});

interface StoredEntity {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly Version: number;
  readonly ResourceId: string;
  readonly ObservedAt: string;
  readonly RunId: string;
  readonly Deleted: boolean;
  readonly Summary?: string;
  readonly Controls: string;
  readonly Exposure?: string;
  readonly BeforeControls?: string;
  readonly BeforeExposure?: string;
}

function parseJson<T>(text: string, schema: z.ZodType<T>, what: string, resourceId: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`The stored ${what} of ${resourceId} in table ${STATE_TABLE_NAME} is not JSON.`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`The stored ${what} of ${resourceId} is malformed: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function decode(entity: TableEntityResult<Record<string, unknown>>): { state: ResourceState; etag: string } {
  const parsed = entitySchema.safeParse(entity);
  if (!parsed.success) {
    throw new Error(
      `Entity ${String(entity.partitionKey)}/${String(entity.rowKey)} in table ${STATE_TABLE_NAME} is not a vaultwatch state record: ${z.prettifyError(parsed.error)}`,
    );
  }
  const e = parsed.data;
  const controls = parseJson(e.Controls, controlsSchema, "controls", e.ResourceId) as ControlsMemory;
  const outbox = decodeOutbox(entity, e.ResourceId);
  return {
    etag: e.etag,
    state: {
      resourceId: e.ResourceId,
      observedAt: new Date(e.ObservedAt),
      runId: e.RunId,
      deleted: e.Deleted,
      summary: e.Summary === undefined ? undefined : parseJson(e.Summary, summarySchema, "summary", e.ResourceId),
      controls,
      exposure: e.Exposure,
      before:
        e.BeforeControls === undefined
          ? undefined
          : {
              controls: parseJson(e.BeforeControls, controlsSchema, "previous controls", e.ResourceId) as ControlsMemory,
              exposure: e.BeforeExposure,
            },
      outbox,
    },
  };
}

function encode(keys: { partitionKey: string; rowKey: string }, state: ResourceState): StoredEntity & Record<string, unknown> {
  return {
    ...encodeOutbox(state.resourceId, state.outbox),
    ...keys,
    Version: ENTITY_VERSION,
    ResourceId: state.resourceId,
    ObservedAt: state.observedAt.toISOString(),
    RunId: state.runId,
    Deleted: state.deleted,
    ...(state.summary === undefined ? {} : { Summary: JSON.stringify(state.summary) }),
    Controls: JSON.stringify(state.controls),
    ...(state.exposure === undefined ? {} : { Exposure: state.exposure }),
    ...(state.before === undefined ? {} : { BeforeControls: JSON.stringify(state.before.controls) }),
    ...(state.before?.exposure === undefined ? {} : { BeforeExposure: state.before.exposure }),
  };
}

function isStatus(error: unknown, ...statuses: number[]): boolean {
  return isRestError(error) && error.statusCode !== undefined && statuses.includes(error.statusCode);
}

function checkObservedAt(observedAt: Date): void {
  if (!(observedAt instanceof Date) || Number.isNaN(observedAt.getTime())) {
    throw new TypeError("observedAt must be a valid Date (when the resource was read, or when it was deleted).");
  }
}

/** Another writer changed the record between our read and write; rereading settles it within a few rounds. */
const MAX_CONFLICT_ROUNDS = 10;

type Decision =
  | { readonly kind: "write"; readonly next: ResourceState; readonly rows: readonly FindingRow[]; readonly outcome?: "replayed" }
  | { readonly kind: "done"; readonly change: StateChange }
  /** Nothing to write and nothing to report: only for `acknowledge`. */
  | { readonly kind: "skip" };

/**
 * Last status per resource and control on Azure Table Storage, so each row carries its transition.
 * Safe under at-least-once delivery and concurrent workers: writes use the entity's ETag, an older
 * observation never overwrites a newer one, a retried observation yields the same rows again, and a
 * deletion leaves a tombstone so a stale create cannot bring the resource back.
 *
 * Invariant (no transition lost, chain consistent): a row that moves the chain (`movesChain`) is committed in
 * the same entity write as the state it moves to, in that entity's outbox, and leaves the outbox only after a
 * caller acknowledged it as delivered or durably spooled. One entity, one ETag-conditional write: the state move
 * and its rows are one atomic step, so there is no crash point between them.
 * - A crash (or a failed upload, or a failed spool write) after the commit leaves the rows in the outbox. Any
 *   later worker that touches the resource (the redelivered event, a racing event, the next sweep, even one
 *   whose observation is stale) gets them back as `pending` and writes them before acknowledging.
 * - Rows are computed against the committed state under its ETag, so each chain row's `PreviousStatus` is the
 *   status of the chain row committed before it; the outbox keeps them in commit order and `TimeGenerated`
 *   (the observation time) only moves forward per resource, so the ledger sorted by time shows a consistent chain.
 * - Delivery is at least once: a crash between delivery and acknowledgement writes the rows again; readers
 *   collapse duplicates on `rowIdentity` (RunId, resource, control, TimeGenerated).
 */
export class TableStateStore {
  constructor(
    private readonly table: TableClient,
    private readonly rows: ChangeRowBuilder,
  ) {}

  /** Creates the table when it does not exist yet. */
  static async open(table: TableClient, rows: ChangeRowBuilder): Promise<TableStateStore> {
    await table.createTable();
    return new TableStateStore(table, rows);
  }

  async read(resourceId: string): Promise<ResourceState | undefined> {
    return (await this.load(resourceId))?.state;
  }

  /** Applies an evaluation of a resource read at `observedAt` and returns the rows to write. */
  async apply(evaluation: ResourceEvaluation, observedAt: Date, run: RunContext): Promise<StateChange> {
    checkObservedAt(observedAt);
    return this.update(evaluation.resource.resourceId, (current) => decideApply(current, evaluation, observedAt, run, this.rows));
  }

  /** Records that a resource was deleted at `observedAt`: `Removed` rows for each control that had state. */
  async remove(resourceId: string, observedAt: Date, run: RunContext, reason: string = DELETED_REASON): Promise<StateChange> {
    checkObservedAt(observedAt);
    return this.update(resourceId, (current) => decideRemove(current, resourceId, observedAt, run, reason, this.rows));
  }

  /**
   * Takes rows out of the resource's outbox once they were delivered or spooled. Rows added since (by a racing
   * worker) stay. Safe to skip or to repeat: an unacknowledged row is only written again.
   */
  async acknowledge(resourceId: string, delivered: readonly FindingRow[]): Promise<void> {
    if (delivered.length === 0) return;
    // The usual case: nobody wrote the record since this worker did, so one conditional write empties the outbox.
    const committed = this.committed.get(delivered);
    if (committed?.etag !== undefined) {
      try {
        await this.table.updateEntity(encode(resourceKeys(resourceId), { ...committed.state, outbox: [] }), "Replace", { etag: committed.etag });
        return;
      } catch (error) {
        if (!isStatus(error, 412)) throw error;
      }
    }
    const done = new Set(delivered.map(rowIdentity));
    await this.update(resourceId, (current) => {
      if (current === undefined) return { kind: "skip" };
      const outbox = current.outbox.filter((row) => !done.has(rowIdentity(row)));
      if (outbox.length === current.outbox.length) return { kind: "skip" };
      return { kind: "write", rows: [], next: { ...current, outbox } };
    });
  }

  /** The record each handed-out outbox was read from or written as, so acknowledging it needs no read. */
  private readonly committed = new WeakMap<readonly FindingRow[], { readonly etag: string | undefined; readonly state: ResourceState }>();

  private remember(outbox: readonly FindingRow[], etag: string | undefined, state: ResourceState): void {
    if (outbox.length > 0) this.committed.set(outbox, { etag, state });
  }

  private async load(resourceId: string): Promise<{ state: ResourceState; etag: string } | undefined> {
    const keys = resourceKeys(resourceId);
    try {
      return decode(await this.table.getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey));
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  private async update(resourceId: string, decide: (current: ResourceState | undefined) => Decision): Promise<StateChange> {
    const keys = resourceKeys(resourceId);
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round += 1) {
      const loaded = await this.load(resourceId);
      const decision = decide(loaded?.state);
      if (decision.kind === "skip") return { outcome: "replayed", rows: [], pending: [] };
      if (decision.kind === "done") {
        if (loaded !== undefined) this.remember(decision.change.pending, loaded.etag, loaded.state);
        return decision.change;
      }
      const entity = encode(keys, decision.next);
      try {
        const written =
          loaded === undefined ? await this.table.createEntity(entity) : await this.table.updateEntity(entity, "Replace", { etag: loaded.etag });
        this.remember(decision.next.outbox, written.etag, decision.next);
        return { outcome: decision.outcome ?? "applied", rows: decision.rows, pending: decision.next.outbox };
      } catch (error) {
        // 409: someone created it first; 412: someone updated it since we read it. Decide again on fresh state.
        if (!isStatus(error, 409, 412)) throw error;
      }
    }
    throw new Error(`The state of ${resourceId} kept changing under concurrent writers; gave up after ${MAX_CONFLICT_ROUNDS} attempts.`);
  }
}

function stale(current: ResourceState, reason: string): Decision {
  return { kind: "done", change: { outcome: "stale", rows: [], pending: current.outbox, reason, lastObservedAt: current.observedAt } };
}

function withCanonicalId(evaluation: ResourceEvaluation, resourceId: string): ResourceEvaluation {
  if (evaluation.resource.resourceId === resourceId) return evaluation;
  return { ...evaluation, resource: { ...evaluation.resource, resourceId } };
}

function decideApply(
  current: ResourceState | undefined,
  evaluation: ResourceEvaluation,
  observedAt: Date,
  run: RunContext,
  builder: ChangeRowBuilder,
): Decision {
  const at = observedAt.getTime();
  if (current !== undefined) {
    const last = current.observedAt.getTime();
    if (current.deleted && at <= last) {
      return stale(
        current,
        `${current.resourceId} was deleted at ${current.observedAt.toISOString()}; an observation made at ${observedAt.toISOString()} is not newer and cannot bring it back.`,
      );
    }
    if (at < last) {
      return stale(
        current,
        `An observation of ${current.resourceId} made at ${observedAt.toISOString()} is older than the one already applied (${current.observedAt.toISOString()}, run ${current.runId}).`,
      );
    }
    if (at === last && run.runId === current.runId) {
      // A retry of the same observation slot: its rows are measured against the state before it, as the first
      // attempt's were. A retry that read something different replaces what the first attempt stored.
      const canonical = withCanonicalId(evaluation, current.resourceId);
      const { rows, next } = rowsAgainst(current.before, canonical, observedAt, run, builder);
      const unchanged = JSON.stringify(next) === JSON.stringify(current.controls) && canonical.exposure.class === current.exposure;
      if (unchanged) return { kind: "done", change: { outcome: "replayed", rows, pending: current.outbox } };
      return {
        kind: "write",
        outcome: "replayed",
        rows,
        next: { ...current, summary: canonical.resource, controls: next, exposure: canonical.exposure.class, outbox: replacedInOutbox(current.outbox, rows) },
      };
    }
  }
  // A recreated resource (newer than its tombstone) starts afresh: it is a new vault with the same name.
  const previous = current === undefined || current.deleted ? undefined : current;
  const resourceId = current?.resourceId ?? evaluation.resource.resourceId;
  const canonical = withCanonicalId(evaluation, resourceId);
  const { rows, next } = rowsAgainst(previous, canonical, observedAt, run, builder);
  return {
    kind: "write",
    rows,
    next: {
      resourceId,
      observedAt,
      runId: run.runId,
      deleted: false,
      summary: canonical.resource,
      controls: next,
      exposure: canonical.exposure.class,
      before: previous === undefined ? undefined : { controls: previous.controls, exposure: previous.exposure },
      outbox: withOutbox(current?.outbox ?? [], rows),
    },
  };
}

/** The rows of an evaluation measured against earlier state, and the state it leaves. */
function rowsAgainst(
  previous: { readonly controls: ControlsMemory; readonly exposure: ExposureClass | undefined } | undefined,
  evaluation: ResourceEvaluation,
  observedAt: Date,
  run: RunContext,
  builder: ChangeRowBuilder,
): { rows: FindingRow[]; next: ControlsMemory } {
  const { transitions, next, dropped } = computeTransitions(previous?.controls, evaluation.findings, { baseline: run.baseline === true });
  return { rows: builder.observed({ evaluation, observedAt, run, transitions, previousExposure: previous?.exposure, dropped }), next };
}

/** Why a resource's rows end: it was deleted, unless the caller says otherwise (the configuration excludes it). */
export const DELETED_REASON = "The resource was deleted.";

function decideRemove(
  current: ResourceState | undefined,
  resourceId: string,
  observedAt: Date,
  run: RunContext,
  reason: string,
  builder: ChangeRowBuilder,
): Decision {
  const tombstone = (base: ResourceState | undefined): ResourceState => ({
    resourceId: base?.resourceId ?? resourceId,
    observedAt,
    runId: run.runId,
    deleted: true,
    summary: base?.summary,
    controls: {},
    exposure: undefined,
    before: base === undefined || base.deleted ? undefined : { controls: base.controls, exposure: base.exposure },
    outbox: base?.outbox ?? [],
  });
  const withRows = (next: ResourceState, rows: FindingRow[]): Decision => ({ kind: "write", next: { ...next, outbox: withOutbox(next.outbox, rows) }, rows });
  if (current === undefined) return { kind: "write", next: tombstone(undefined), rows: [] };

  const at = observedAt.getTime();
  const last = current.observedAt.getTime();
  if (at === last && run.runId === current.runId && current.deleted) {
    return { kind: "done", change: { outcome: "replayed", rows: removedRows(current, current.before, observedAt, run, reason, builder), pending: current.outbox } };
  }
  if (at < last) {
    return stale(
      current,
      `A deletion of ${current.resourceId} at ${observedAt.toISOString()} is older than the last applied observation (${current.observedAt.toISOString()}, run ${current.runId}).`,
    );
  }
  if (current.deleted) {
    // Already gone: only move the tombstone forward, so creates older than this deletion stay stale.
    return at === last ? stale(current, `${current.resourceId} was already deleted at ${current.observedAt.toISOString()}.`) : { kind: "write", next: tombstone(current), rows: [] };
  }
  // Equal times: the deletion wins, as nothing can be observed of a deleted resource.
  return withRows(tombstone(current), removedRows(current, { controls: current.controls, exposure: current.exposure }, observedAt, run, reason, builder));
}

function removedRows(state: ResourceState, before: ResourceState["before"], observedAt: Date, run: RunContext, reason: string, builder: ChangeRowBuilder): FindingRow[] {
  if (before === undefined || state.summary === undefined) return [];
  return builder.removed({
    resource: { ...state.summary, resourceId: state.resourceId },
    controls: removedControls(before.controls),
    observedAt,
    run,
    reason,
    previousExposure: before.exposure,
  });
}
