import type { InvocationContext } from "@azure/functions";
import { type EventArrivals, subscriptionOfEvent } from "../eventCoverage/eventArrivals.js";
import { parseDelivery } from "../events/eventEnvelope.js";
import type { PoisonQueue, PoisonSource } from "../queues/poisonQueue.js";
import { EVENT_QUEUE_NAME, QUEUE_MAX_DEQUEUE_COUNT, poisonQueueName } from "../queues/queueNames.js";
import { describeReplay, replayNeedsAttention } from "../sink/findingsWriter.js";
import { type DependencySource, resolveDependencies } from "./dependencies.js";
import { dequeueCountOf, isLastDelivery, queueMessageIdOf } from "./invocation.js";
import { type EventBatchResult, type EventWorkerDependencies, describeEventBatch, processResourceEvents } from "./resourceEvents.js";

export interface EventHandlerDependencies extends EventWorkerDependencies {
  readonly eventPoison: Pick<PoisonQueue, "send">;
  /** Where the last event time per subscription is kept, for the sweep's coverage rows. */
  readonly eventArrivals?: Pick<EventArrivals, "record">;
}

type Source = DependencySource | EventHandlerDependencies;

async function resolve(source: Source): Promise<EventHandlerDependencies> {
  return typeof source === "function" ? resolveDependencies(source) : source;
}

const EVENTS_POISON = poisonQueueName(EVENT_QUEUE_NAME);

/**
 * Event Grid delivered to the `vaultwatch-events` queue (the default set-up): the message is one event, or an
 * array, in either schema. Permanently malformed input goes to the poison queue at once with its reason: no
 * retry can fix it, and retrying would only delay it. Transient failures (reads or state past their retries)
 * throw so the queue redelivers the message; on its last delivery it is poisoned with the reason instead, so
 * the reason travels with it. Rows the sink could not deliver are spooled by the writer and count as done.
 */
export async function handleEventQueueMessage(message: unknown, context: InvocationContext, source: Source): Promise<EventBatchResult | undefined> {
  const deps = await resolve(source);
  const messageId = queueMessageIdOf(context);
  const dequeueCount = dequeueCountOf(context);
  const poison = (reason: string, content: unknown) =>
    deps.eventPoison.send({ source: EVENT_QUEUE_NAME, reason, failedAt: nowOf(deps).toISOString(), dequeueCount, messageId, message: content });

  const delivery = parseDelivery(message);
  if (!delivery.ok) {
    await poison(delivery.error, message);
    context.error(`vaultwatch events: message ${messageId ?? "(no id)"} rejected and moved to ${EVENTS_POISON}: ${delivery.error}`);
    return undefined;
  }
  await recordArrivals(delivery.events, deps, context);
  const result = await processResourceEvents(delivery.events, deps);
  context.log(
    `vaultwatch events: message ${messageId ?? "(no id)"} delivery ${dequeueCount ?? 1}, event(s) ${delivery.events.map(eventIdOf).slice(0, 5).join(", ")}: ${describeEventBatch(result)}`,
  );
  logOutOfScopeAndReplay(result, context);
  if (result.failures.length > 0) {
    const reason = result.failures.join("; ");
    if (!isLastDelivery(context)) {
      context.warn(`vaultwatch events: message ${messageId ?? "(no id)"} will be retried (delivery ${dequeueCount ?? 1} of ${QUEUE_MAX_DEQUEUE_COUNT}): ${reason}`);
      throw new Error(`Resource events not fully processed; the queue will redeliver them: ${reason}`);
    }
    await poison(reason, message);
    context.error(`vaultwatch events: message ${messageId ?? "(no id)"} failed on its last delivery (MaxDequeueCount ${QUEUE_MAX_DEQUEUE_COUNT}) and was moved to ${EVENTS_POISON}: ${reason}`);
    return result;
  }
  await poisonRejected(result, deps, "vaultwatch-events", context, { dequeueCount, messageId });
  logWhatWasNotEvaluated(result, context);
  return result;
}

/**
 * The direct Event Grid trigger (the runtime calls it once per event of a delivery). A transient failure throws,
 * so Event Grid retries on its schedule and finally dead-letters to `vaultwatch-deadletter`. A malformed event is
 * acknowledged after it is put on `vaultwatch-events-poison` with its reason, the same place the queued path
 * keeps them: retrying it for a day would change nothing. If even that fails, it throws and Event Grid retries.
 */
export async function handleEventGridEvent(event: unknown, context: InvocationContext, source: Source): Promise<EventBatchResult> {
  const deps = await resolve(source);
  await recordArrivals([event], deps, context);
  const result = await processResourceEvents([event], deps);
  context.log(`vaultwatch events: Event Grid event ${eventIdOf(event)}: ${describeEventBatch(result)}`);
  logOutOfScopeAndReplay(result, context);
  if (result.failures.length > 0) {
    const reason = result.failures.join("; ");
    context.warn(`vaultwatch events: Event Grid event ${eventIdOf(event)} will be retried by Event Grid: ${reason}`);
    throw new Error(`Resource event not fully processed; Event Grid will redeliver it: ${reason}`);
  }
  await poisonRejected(result, deps, "eventGridTrigger", context, {});
  logWhatWasNotEvaluated(result, context);
  return result;
}

async function poisonRejected(
  result: EventBatchResult,
  deps: EventHandlerDependencies,
  source: PoisonSource,
  context: InvocationContext,
  delivery: { dequeueCount?: number; messageId?: string },
): Promise<void> {
  for (const rejected of result.rejected) {
    await deps.eventPoison.send({
      source,
      reason: rejected.reason,
      failedAt: nowOf(deps).toISOString(),
      ...(delivery.dequeueCount === undefined ? {} : { dequeueCount: delivery.dequeueCount }),
      ...(delivery.messageId === undefined ? {} : { messageId: delivery.messageId }),
      message: rejected.event,
    });
    context.error(`vaultwatch events: event ${rejected.eventId ?? "(no id)"} rejected and moved to ${EVENTS_POISON}: ${rejected.reason}`);
  }
}

/** Events dropped for their scope are named (they may mean a topic wired to the wrong subscription); the spool replay is reported on every write. */
function logOutOfScopeAndReplay(result: EventBatchResult, context: InvocationContext): void {
  for (const target of result.targets) {
    if (target.kind === "outOfScope") context.warn(`vaultwatch events: ${target.target.id} is outside the configured scope; the event was dropped unread.`);
  }
  for (const endpoint of result.privateEndpoints) {
    if (endpoint.kind === "outOfScope") context.warn(`vaultwatch events: ${endpoint.privateEndpointId} is outside the configured scope; the event was dropped unread.`);
  }
  if (result.write !== undefined) {
    const line = `vaultwatch events: ${describeReplay(result.write.replay)}`;
    if (replayNeedsAttention(result.write.replay)) context.warn(line);
    else context.log(line);
  }
}

/** Work an event named but that could not be done here: said out loud, since the sweep is what catches it. */
function logWhatWasNotEvaluated(result: EventBatchResult, context: InvocationContext): void {
  for (const endpoint of result.privateEndpoints) {
    if (endpoint.kind === "leftForSweep") context.warn(`vaultwatch events: ${endpoint.privateEndpointId}: ${endpoint.reason ?? "left for the next sweep"}`);
  }
  for (const target of result.targets) {
    if (target.kind === "forbidden") context.warn(`vaultwatch events: ${target.target.id} was not evaluated: ${target.reason}`);
  }
}

/**
 * Notes that events from these subscriptions arrived, before they are worked on: an event proves the wiring even
 * when its own work fails. Losing this note costs only freshness (the next event records it again), so a storage
 * failure here is logged and does not hold back the evaluation.
 */
async function recordArrivals(events: readonly unknown[], deps: EventHandlerDependencies, context: InvocationContext): Promise<void> {
  if (deps.eventArrivals === undefined) return;
  const subscriptions = events.map(subscriptionOfEvent).filter((id): id is string => id !== undefined);
  if (subscriptions.length === 0) return;
  try {
    await deps.eventArrivals.record(subscriptions, nowOf(deps));
  } catch (error) {
    context.warn(`vaultwatch events: the arrival time of events from ${[...new Set(subscriptions)].join(", ")} was not recorded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function nowOf(deps: EventHandlerDependencies): Date {
  return (deps.clock ?? (() => new Date()))();
}

function eventIdOf(event: unknown): string {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === "string" ? JSON.stringify(id.slice(0, 100)) : "(no id)";
}
