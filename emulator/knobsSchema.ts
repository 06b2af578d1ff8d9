import { z } from "zod";
import type { KnobOverrides } from "./knobs.js";
import { REQUEST_KINDS } from "./requestKinds.js";

const kind = z.enum(REQUEST_KINDS);
const retryAfterStyle = z.enum(["seconds", "milliseconds", "none"]);

const knobOverridesSchema = z
  .object({
    latencyMs: z.number().int().min(0),
    latencyByKindMs: z.partialRecord(kind, z.number().int().min(0)),
    faults: z.array(
      z
        .object({
          kinds: z.array(kind).min(1),
          status: z.number().int().min(200).max(599),
          code: z.string().optional(),
          retryAfter: z.object({ style: z.enum(["seconds", "milliseconds"]), milliseconds: z.number().min(0) }).strict().optional(),
          rate: z.number().min(0).max(1).optional(),
          remaining: z.number().int().min(0).optional(),
          pathContains: z.string().optional(),
          body: z.unknown().optional(),
        })
        .strict(),
    ),
    outages: z.partialRecord(kind, z.enum(["connectionReset", "serviceUnavailable"])),
    resourceGraph: z
      .object({
        quotaPerWindow: z.number().int().min(1),
        windowMs: z.number().int().min(1),
        retryAfterOn429: retryAfterStyle,
        withholdSkipToken: z.boolean(),
      })
      .partial()
      .strict(),
    armReads: z
      .object({ burst: z.number().min(1), refillPerSecond: z.number().min(0), retryAfterOn429: retryAfterStyle })
      .partial()
      .strict(),
    armPageSize: z.number().int().min(1),
    batch: z.object({ acceptedPolls: z.number().int().min(0), retryAfterSeconds: z.number().int().min(0) }).partial().strict(),
    ingestion: z.object({ maxRequestBytes: z.number().int().min(1) }).partial().strict(),
  })
  .partial()
  .strict();

/** Validates knob overrides sent to the admin endpoint; returns the problem as text when they do not fit. */
export function parseKnobOverrides(text: string): KnobOverrides | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return "The body is not valid JSON.";
  }
  const result = knobOverridesSchema.safeParse(json);
  if (!result.success) return z.prettifyError(result.error);
  return result.data as KnobOverrides;
}
