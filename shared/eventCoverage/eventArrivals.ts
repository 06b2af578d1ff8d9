import { isRestError } from "@azure/core-rest-pipeline";
import { odata, type TableClient } from "@azure/data-tables";
import { parseEnvelope } from "../events/eventEnvelope.js";

export const COVERAGE_TABLE_NAME = "vaultwatchCoverage";
const PARTITION = "lastEvent";
/** Concurrent workers recording the same subscription settle within a few rounds. */
const MAX_CONFLICT_ROUNDS = 5;
/**
 * A worker writes a subscription's arrival at most this often: coverage needs minutes, not every event, and the
 * event path should not pay two Table Storage calls per delivery.
 */
export const ARRIVAL_WRITE_INTERVAL_MS = 60_000;
const SUBSCRIPTION_IN_PATH = /^\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;

function isStatus(error: unknown, ...statuses: number[]): boolean {
  return isRestError(error) && error.statusCode !== undefined && statuses.includes(error.statusCode);
}

/**
 * The subscription an event came from: the topic (`/subscriptions/{id}` for both system topic types), else the
 * subject (the resource id). `undefined` for an event that names neither.
 */
export function subscriptionOfEvent(event: unknown): string | undefined {
  const parsed = parseEnvelope(event);
  if (!parsed.ok) return undefined;
  for (const path of [parsed.envelope.topic ?? "", parsed.envelope.subject]) {
    const match = SUBSCRIPTION_IN_PATH.exec(path);
    if (match?.[1] !== undefined) return match[1].toLowerCase();
  }
  return undefined;
}

/**
 * When events last arrived from each subscription (Table Storage `vaultwatchCoverage`, one row per subscription).
 * The time only moves forward: a late delivery never makes a subscription look quieter than it is. It is proof
 * that the wiring works end to end, which Resource Graph alone cannot show.
 */
export class EventArrivals {
  /** What this worker last wrote per subscription (epoch ms): later arrivals within the interval are not written. */
  private readonly written = new Map<string, number>();

  constructor(private readonly table: TableClient) {}

  static async open(table: TableClient): Promise<EventArrivals> {
    await table.createTable();
    return new EventArrivals(table);
  }

  /** Records that events from these subscriptions arrived at `at` (to the minute: see ARRIVAL_WRITE_INTERVAL_MS). */
  async record(subscriptionIds: Iterable<string>, at: Date): Promise<void> {
    for (const subscriptionId of new Set([...subscriptionIds].map((id) => id.toLowerCase()))) {
      const last = this.written.get(subscriptionId);
      if (last !== undefined && at.getTime() >= last && at.getTime() - last < ARRIVAL_WRITE_INTERVAL_MS) continue;
      await this.recordOne(subscriptionId, at);
      this.written.set(subscriptionId, at.getTime());
    }
  }

  /** Last arrival per lower-cased subscription id. */
  async lastArrivals(): Promise<Map<string, Date>> {
    const arrivals = new Map<string, Date>();
    const filter = odata`PartitionKey eq ${PARTITION}`;
    for await (const entity of this.table.listEntities<{ LastEventAt?: unknown }>({ queryOptions: { filter } })) {
      const at = typeof entity.LastEventAt === "string" ? new Date(entity.LastEventAt) : undefined;
      if (typeof entity.rowKey === "string" && at !== undefined && !Number.isNaN(at.getTime())) arrivals.set(entity.rowKey, at);
    }
    return arrivals;
  }

  private async recordOne(subscriptionId: string, at: Date): Promise<void> {
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round += 1) {
      let current: { etag: string; at: Date } | undefined;
      try {
        const entity = await this.table.getEntity<{ LastEventAt?: string }>(PARTITION, subscriptionId);
        current = { etag: entity.etag, at: new Date(String(entity.LastEventAt)) };
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
      }
      if (current !== undefined && current.at.getTime() >= at.getTime()) return;
      const entity = { partitionKey: PARTITION, rowKey: subscriptionId, LastEventAt: at.toISOString() };
      try {
        if (current === undefined) await this.table.createEntity(entity);
        else await this.table.updateEntity(entity, "Replace", { etag: current.etag });
        return;
      } catch (error) {
        if (!isStatus(error, 409, 412)) throw error;
      }
    }
  }
}
