import { odata, type TableClient } from "@azure/data-tables";
import { subscriptionPartitionKey } from "../state/resourceKeys.js";

/** A resource the state store holds as existing, and when it was last observed. */
export interface LiveResource {
  readonly resourceId: string;
  readonly observedAt: Date;
}

/** Which resources the state store believes exist in a subscription: the sweep's base for deletion detection. */
export interface StateIndex {
  liveResources(subscriptionId: string): AsyncIterable<LiveResource>;
}

/**
 * Lists the state store's partition of one subscription (`TableStateStore` keeps one partition per subscription),
 * reading only the id, the tombstone flag and the observation time of each record.
 */
export class TableStateIndex implements StateIndex {
  constructor(private readonly table: Pick<TableClient, "listEntities">) {}

  async *liveResources(subscriptionId: string): AsyncGenerator<LiveResource> {
    const partitionKey = subscriptionPartitionKey(subscriptionId);
    const entities = this.table.listEntities<{ ResourceId?: unknown; Deleted?: unknown; ObservedAt?: unknown }>({
      queryOptions: { filter: odata`PartitionKey eq ${partitionKey}`, select: ["ResourceId", "Deleted", "ObservedAt"] },
    });
    for await (const entity of entities) {
      if (entity.Deleted === true) continue;
      const observedAt = typeof entity.ObservedAt === "string" ? new Date(entity.ObservedAt) : undefined;
      if (typeof entity.ResourceId !== "string" || observedAt === undefined || Number.isNaN(observedAt.getTime())) {
        throw new Error(`State record ${String(entity.partitionKey)}/${String(entity.rowKey)} has no readable ResourceId or ObservedAt.`);
      }
      yield { resourceId: entity.ResourceId, observedAt };
    }
  }
}
