import { z } from "zod";
import { MAX_SUBSCRIPTIONS_PER_SHARD } from "../config.js";

/** As many as the setting allows: Resource Graph takes at most 1,000 subscriptions in one query. */
export const MAX_SUBSCRIPTIONS_IN_SHARD = MAX_SUBSCRIPTIONS_PER_SHARD;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Run ids become Table Storage partition keys and KQL values: letters, digits and hyphens only. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/;

const shardMessageSchema = z
  .object({
    runId: z.string().regex(RUN_ID_PATTERN, "must be letters, digits and hyphens (at most 100)"),
    shardIndex: z.number().int().nonnegative(),
    shardCount: z.number().int().positive().max(100_000),
    subscriptionIds: z
      .array(z.string().regex(GUID, "must be a subscription GUID"))
      .min(1)
      .max(MAX_SUBSCRIPTIONS_IN_SHARD)
      .refine((ids) => new Set(ids.map((id) => id.toLowerCase())).size === ids.length, "must not repeat a subscription"),
    plannedAt: z.iso.datetime({ offset: true }),
  })
  .strict()
  .refine((message) => message.shardIndex < message.shardCount, { message: "shardIndex must be below shardCount", path: ["shardIndex"] });

/** One queue message per shard of a sweep: the subscriptions one worker reads, and the run they belong to. */
export interface ShardMessage {
  readonly runId: string;
  readonly shardIndex: number;
  readonly shardCount: number;
  readonly subscriptionIds: readonly string[];
  /** ISO 8601: when the timer planned the run; the run summary measures its duration from here. */
  readonly plannedAt: string;
}

export type ShardMessageParse = { readonly ok: true; readonly message: ShardMessage } | { readonly ok: false; readonly error: string };

/** Validates a shard message as the queue trigger hands it over (the parsed JSON, or its text). */
export function parseShardMessage(raw: unknown): ShardMessageParse {
  let value = Buffer.isBuffer(raw) ? raw.toString("utf8") : raw;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, error: "shard message is not JSON" };
    }
  }
  const parsed = shardMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join(".") || "(message)"} ${issue.message}`);
    return { ok: false, error: `not a valid shard message: ${issues.join("; ")}` };
  }
  return { ok: true, message: parsed.data };
}
