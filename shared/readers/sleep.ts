import { setTimeout as delay } from "node:timers/promises";

/** Waits, or rejects with the signal's reason as soon as it aborts. */
export async function sleep(milliseconds: number, abortSignal?: AbortSignal): Promise<void> {
  if (milliseconds <= 0) {
    abortSignal?.throwIfAborted();
    return;
  }
  await delay(milliseconds, undefined, abortSignal === undefined ? undefined : { signal: abortSignal });
}
