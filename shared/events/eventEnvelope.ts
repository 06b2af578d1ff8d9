import { z } from "zod";

/** One event, whatever schema it came in (Event Grid or CloudEvents 1.0). */
export interface EventEnvelope {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  /** Event Grid `topic` or CloudEvents `source`: `/subscriptions/{id}` for subscription system topics. */
  readonly topic: string | undefined;
  /** The event's time; a CloudEvent may leave it out (it is optional in CloudEvents 1.0), then the time it was read. */
  readonly time: Date;
  readonly data: unknown;
  readonly schema: "eventGrid" | "cloudEvents";
}

const text = z.string().min(1).max(2048);
const instant = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "is not a date-time");

const eventGridSchema = z.object({
  id: text,
  eventType: text,
  subject: text,
  eventTime: instant,
  topic: z.string().max(2048).optional(),
  data: z.unknown().optional(),
  dataVersion: z.string().optional(),
});

const cloudEventSchema = z.object({
  specversion: z.literal("1.0"),
  id: text,
  type: text,
  source: text,
  subject: text,
  // Optional in CloudEvents 1.0: an event without it is still an event.
  time: instant.optional(),
  data: z.unknown().optional(),
});

export type EnvelopeParse = { readonly ok: true; readonly envelope: EventEnvelope } | { readonly ok: false; readonly error: string };

export function parseEnvelope(value: unknown, receivedAt: Date = new Date()): EnvelopeParse {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: "event is not a JSON object" };
  }
  if ("specversion" in value) {
    const parsed = cloudEventSchema.safeParse(value);
    if (!parsed.success) return { ok: false, error: `not a valid CloudEvent: ${describeIssues(parsed.error)}` };
    const event = parsed.data;
    return {
      ok: true,
      envelope: { id: event.id, type: event.type, subject: event.subject, topic: event.source, time: event.time === undefined ? receivedAt : new Date(event.time), data: event.data, schema: "cloudEvents" },
    };
  }
  const parsed = eventGridSchema.safeParse(value);
  if (!parsed.success) return { ok: false, error: `not a valid Event Grid event: ${describeIssues(parsed.error)}` };
  const event = parsed.data;
  return {
    ok: true,
    envelope: { id: event.id, type: event.eventType, subject: event.subject, topic: event.topic, time: new Date(event.eventTime), data: event.data, schema: "eventGrid" },
  };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(event)"} ${issue.message}`)
    .join("; ");
}

export type DeliveryParse =
  | { readonly ok: true; readonly events: readonly unknown[] }
  | { readonly ok: false; readonly error: string };

/**
 * A delivery is what a trigger hands over: a queue message (a JSON string, or the object the runtime already parsed),
 * or the Event Grid trigger's event. Event Grid posts arrays, so an array of events is accepted too.
 */
export function parseDelivery(message: unknown): DeliveryParse {
  let value = message;
  if (Buffer.isBuffer(value)) value = value.toString("utf8");
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, error: "message is not JSON" };
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { ok: false, error: "message holds an empty list of events" };
    return { ok: true, events: value };
  }
  if (typeof value === "object" && value !== null) return { ok: true, events: [value] };
  return { ok: false, error: "message is neither an event nor a list of events" };
}
