import type { InvocationContext } from "@azure/functions";
import { QUEUE_MAX_DEQUEUE_COUNT } from "../queues/queueNames.js";

/** How many times the queue has handed this message out, as the queue trigger reports it (1 on the first try). */
export function dequeueCountOf(context: InvocationContext): number | undefined {
  const value = context.triggerMetadata?.dequeueCount;
  const count = typeof value === "string" ? Number(value) : value;
  return typeof count === "number" && Number.isInteger(count) && count > 0 ? count : undefined;
}

export function queueMessageIdOf(context: InvocationContext): string | undefined {
  const value = context.triggerMetadata?.id;
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** After this attempt the host would move the message to the poison queue without its reason. */
export function isLastDelivery(context: InvocationContext): boolean {
  return (dequeueCountOf(context) ?? 1) >= QUEUE_MAX_DEQUEUE_COUNT;
}

export function errorText(error: unknown): string {
  if (error instanceof AggregateError) return `${error.message}: ${error.errors.map(errorText).join("; ")}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight; results keep the input order. After a failure no
 * new item starts, and the first error is thrown only once the items already started have settled, so nothing
 * keeps running after the caller has given up.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
