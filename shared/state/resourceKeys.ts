import { createHash } from "node:crypto";
import { armIdKey, parseArmId } from "../model/armId.js";

export interface ResourceKeys {
  readonly partitionKey: string;
  readonly rowKey: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The state table keeps one partition per subscription: its GUID, lower-cased. */
export function subscriptionPartitionKey(subscriptionId: string): string {
  if (!GUID.test(subscriptionId)) throw new TypeError(`${JSON.stringify(String(subscriptionId).slice(0, 60))} is not a subscription GUID.`);
  return subscriptionId.toLowerCase();
}

/**
 * Table keys for a resource. ARM compares ids case-insensitively, so the keys come from the lower-cased id;
 * Table Storage forbids `/ \ # ?` and control characters in keys, so the row key is a SHA-256 of that id
 * and the partition is the (validated, lower-cased) subscription GUID.
 */
export function resourceKeys(resourceId: string): ResourceKeys {
  const parsed = parseArmId(resourceId);
  if (!parsed.ok) throw new TypeError(`Cannot keep state for ${JSON.stringify(String(resourceId).slice(0, 200))}: ${parsed.error}.`);
  return {
    partitionKey: subscriptionPartitionKey(parsed.value.subscriptionId),
    rowKey: createHash("sha256").update(armIdKey(parsed.value.id), "utf8").digest("hex"),
  };
}
