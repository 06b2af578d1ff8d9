import { isRestError } from "@azure/core-rest-pipeline";
import type { TableClient, TableEntityResult } from "@azure/data-tables";
import { z } from "zod";
import type { ResourceEvaluation } from "../model/evaluation.js";
import { EXPOSURE_CLASSES, type ExposureClass } from "../model/exposure.js";
import { SEVERITIES, STATUSES, type ResourceSummary } from "../model/finding.js";
import type { ResourceKind } from "../model/resource.js";
import { buildFindingRows, buildRemovedRows } from "../sink/findingRows.js";
import type { FindingRow } from "../sink/findingsSchema.js";
import type { RunContext } from "../sink/runContext.js";
import { resourceKeys } from "./resourceKeys.js";
import { computeTransitions, removedControls, type ControlsMemory } from "./transitions.js";

export const STATE_TABLE_NAME = "vaultwatchState";

/**
 * What applying an observation did. `replayed`: the same observation of the same run was applied before
 * (a retried shard or event), so the rows are those of the first application, transitions included.
 * `stale`: an older observation (or one not newer than a deletion) changed nothing and yields no rows.
 */
export type StateChange =
  | { readonly outcome: "applied" | "replayed"; readonly rows: readonly FindingRow[] }
  | { readonly outcome: "stale"; readonly rows: readonly []; readonly reason: string; readonly lastObservedAt: Date };

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
    },
  };
}

function encode(keys: { partitionKey: string; rowKey: string }, state: ResourceState): StoredEntity {
  return {
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
  | { readonly kind: "done"; readonly change: StateChange };

/**
 * Last status per resource and control on Azure Table Storage, so each row carries its transition.
 * Safe under at-least-once delivery and concurrent workers: writes use the entity's ETag, an older
 * observation never overwrites a newer one, a retried observation yields the same rows again, and a
 * deletion leaves a tombstone so a stale create cannot bring the resource back.
 */
export class TableStateStore {
  constructor(private readonly table: TableClient) {}

  /** Creates the table when it does not exist yet. */
  static async open(table: TableClient): Promise<TableStateStore> {
    await table.createTable();
    return new TableStateStore(table);
  }

  async read(resourceId: string): Promise<ResourceState | undefined> {
    return (await this.load(resourceId))?.state;
  }

  /** Applies an evaluation of a resource read at `observedAt` and returns the rows to write. */
  async apply(evaluation: ResourceEvaluation, observedAt: Date, run: RunContext): Promise<StateChange> {
    checkObservedAt(observedAt);
    return this.update(evaluation.resource.resourceId, (current) => decideApply(current, evaluation, observedAt, run));
  }

  /** Records that a resource was deleted at `observedAt`: `Removed` rows for each control that had state. */
  async remove(resourceId: string, observedAt: Date, run: RunContext, reason: string = DELETED_REASON): Promise<StateChange> {
    checkObservedAt(observedAt);
    return this.update(resourceId, (current) => decideRemove(current, resourceId, observedAt, run, reason));
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
      if (decision.kind === "done") return decision.change;
      const entity = encode(keys, decision.next);
      try {
        if (loaded === undefined) await this.table.createEntity(entity);
        else await this.table.updateEntity(entity, "Replace", { etag: loaded.etag });
        return { outcome: decision.outcome ?? "applied", rows: decision.rows };
      } catch (error) {
        // 409: someone created it first; 412: someone updated it since we read it. Decide again on fresh state.
        if (!isStatus(error, 409, 412)) throw error;
      }
    }
    throw new Error(`The state of ${resourceId} kept changing under concurrent writers; gave up after ${MAX_CONFLICT_ROUNDS} attempts.`);
  }
}

function stale(reason: string, lastObservedAt: Date): Decision {
  return { kind: "done", change: { outcome: "stale", rows: [], reason, lastObservedAt } };
}

function withCanonicalId(evaluation: ResourceEvaluation, resourceId: string): ResourceEvaluation {
  if (evaluation.resource.resourceId === resourceId) return evaluation;
  return { ...evaluation, resource: { ...evaluation.resource, resourceId } };
}

function decideApply(current: ResourceState | undefined, evaluation: ResourceEvaluation, observedAt: Date, run: RunContext): Decision {
  const at = observedAt.getTime();
  if (current !== undefined) {
    const last = current.observedAt.getTime();
    if (current.deleted && at <= last) {
      return stale(
        `${current.resourceId} was deleted at ${current.observedAt.toISOString()}; an observation made at ${observedAt.toISOString()} is not newer and cannot bring it back.`,
        current.observedAt,
      );
    }
    if (at < last) {
      return stale(
        `An observation of ${current.resourceId} made at ${observedAt.toISOString()} is older than the one already applied (${current.observedAt.toISOString()}, run ${current.runId}).`,
        current.observedAt,
      );
    }
    if (at === last && run.runId === current.runId) {
      // A retry of the same observation slot: its rows are measured against the state before it, as the first
      // attempt's were. A retry that read something different replaces what the first attempt stored.
      const canonical = withCanonicalId(evaluation, current.resourceId);
      const { rows, next } = rowsAgainst(current.before, canonical, observedAt, run);
      const unchanged = JSON.stringify(next) === JSON.stringify(current.controls) && canonical.exposure.class === current.exposure;
      if (unchanged) return { kind: "done", change: { outcome: "replayed", rows } };
      return { kind: "write", outcome: "replayed", rows, next: { ...current, summary: canonical.resource, controls: next, exposure: canonical.exposure.class } };
    }
  }
  // A recreated resource (newer than its tombstone) starts afresh: it is a new vault with the same name.
  const previous = current === undefined || current.deleted ? undefined : current;
  const resourceId = current?.resourceId ?? evaluation.resource.resourceId;
  const canonical = withCanonicalId(evaluation, resourceId);
  const { rows, next } = rowsAgainst(previous, canonical, observedAt, run);
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
    },
  };
}

/** The rows of an evaluation measured against earlier state, and the state it leaves. */
function rowsAgainst(
  previous: { readonly controls: ControlsMemory; readonly exposure: ExposureClass | undefined } | undefined,
  evaluation: ResourceEvaluation,
  observedAt: Date,
  run: RunContext,
): { rows: FindingRow[]; next: ControlsMemory } {
  const { transitions, next, dropped } = computeTransitions(previous?.controls, evaluation.findings, { baseline: run.baseline === true });
  const rows = [
    ...buildFindingRows({ evaluation, observedAt, run, transitions, previousExposure: previous?.exposure }),
    ...buildRemovedRows({
      resource: evaluation.resource,
      controls: dropped,
      observedAt,
      run,
      reason: "The control no longer applies to this resource, so it is no longer evaluated.",
    }),
  ];
  return { rows, next };
}

/** Why a resource's rows end: it was deleted, unless the caller says otherwise (the configuration excludes it). */
export const DELETED_REASON = "The resource was deleted.";

function decideRemove(current: ResourceState | undefined, resourceId: string, observedAt: Date, run: RunContext, reason: string): Decision {
  const tombstone = (base: ResourceState | undefined): ResourceState => ({
    resourceId: base?.resourceId ?? resourceId,
    observedAt,
    runId: run.runId,
    deleted: true,
    summary: base?.summary,
    controls: {},
    exposure: undefined,
    before: base === undefined || base.deleted ? undefined : { controls: base.controls, exposure: base.exposure },
  });
  if (current === undefined) return { kind: "write", next: tombstone(undefined), rows: [] };

  const at = observedAt.getTime();
  const last = current.observedAt.getTime();
  if (at === last && run.runId === current.runId && current.deleted) {
    return { kind: "done", change: { outcome: "replayed", rows: removedRows(current, current.before, observedAt, run, reason) } };
  }
  if (at < last) {
    return stale(
      `A deletion of ${current.resourceId} at ${observedAt.toISOString()} is older than the last applied observation (${current.observedAt.toISOString()}, run ${current.runId}).`,
      current.observedAt,
    );
  }
  if (current.deleted) {
    // Already gone: only move the tombstone forward, so creates older than this deletion stay stale.
    return at === last ? stale(`${current.resourceId} was already deleted at ${current.observedAt.toISOString()}.`, current.observedAt) : { kind: "write", next: tombstone(current), rows: [] };
  }
  // Equal times: the deletion wins, as nothing can be observed of a deleted resource.
  return { kind: "write", next: tombstone(current), rows: removedRows(current, { controls: current.controls, exposure: current.exposure }, observedAt, run, reason) };
}

function removedRows(
  state: ResourceState,
  before: ResourceState["before"],
  observedAt: Date,
  run: RunContext,
  reason: string,
): FindingRow[] {
  if (before === undefined || state.summary === undefined) return [];
  return buildRemovedRows({
    resource: { ...state.summary, resourceId: state.resourceId },
    controls: removedControls(before.controls),
    observedAt,
    run,
    reason,
    previousExposure: before.exposure,
  });
}
