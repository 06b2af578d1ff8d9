import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Estate } from "../../emulator/index.js";
import { type Random, seededRandom } from "../../emulator/random.js";
import { handleEventQueueMessage } from "../../shared/handlers/eventHandlers.js";
import { mapWithConcurrency } from "../../shared/handlers/invocation.js";
import { runChangeScript } from "./support/changeScript.js";
import { type FunctionsHarness, invocationContext, startFunctionsHarness } from "./support/harness.js";
import type { RawEvent } from "./support/referenceEvents.js";
import { type PostureMap, currentPosture, postureDifferences, truthOf } from "./support/truth.js";

const ORDERINGS = 100;
const CHANGES_PER_SCRIPT = 8;
const WORLDS_AT_ONCE = 8;
const SUBSCRIPTION_ID = "0c0c0c0c-1111-4222-8333-444444444444";

/**
 * One clock for the emulator's estate and the handlers, strictly increasing: every change and every read gets its
 * own instant, as they would on synchronised clocks. (Real clocks tie and skew by milliseconds; what that can miss,
 * the sweep finds.)
 */
function sharedClock(): () => Date {
  let last = 0;
  return () => {
    last = Math.max(Date.now(), last + 1);
    return new Date(last);
  };
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function restricted(posture: PostureMap, ids: ReadonlySet<string>): PostureMap {
  return new Map([...posture].filter(([id]) => ids.has(id)));
}

describe("convergence of resource events", () => {
  const clock = sharedClock();
  let harness: FunctionsHarness;

  beforeAll(async () => {
    const estate = new Estate("0c0c0c0c-0000-4000-8000-000000000000", clock);
    estate.addManagementGroup("mg-root");
    estate.addSubscription({ subscriptionId: SUBSCRIPTION_ID, displayName: "convergence", tenantId: estate.tenantId, managementGroupId: "mg-root" });
    // Throttling is not what this test is about: ARM's read bucket, and the reader's pacing against it, are opened
    // wide so no read waits for a refill.
    harness = await startFunctionsHarness({
      emulator: { estate, knobs: { latencyMs: 0, armReads: { burst: 1_000_000, refillPerSecond: 1_000_000, retryAfterOn429: "seconds" } } },
      dependencies: { clock, diagnosticSettings: { readBurst: 1_000_000, readRefillPerSecond: 1_000_000 } },
    });
  });
  afterAll(async () => harness?.stop());

  it(`a scripted series of changes delivered as events shuffled, duplicated and delayed ends in the emulator's final truth, for ${ORDERINGS} orderings`, async () => {
    const failures: string[] = [];
    let deliveries = 0;
    await mapWithConcurrency(
      Array.from({ length: ORDERINGS }, (_, index) => index),
      WORLDS_AT_ONCE,
      async (index) => {
        const seed = 7_000 + index;
        const random = seededRandom(seed);
        const pending: RawEvent[] = [];
        const duplicated = new WeakSet<RawEvent>();
        const deliverSome = async (share: number): Promise<void> => {
          shuffle(random, pending);
          const due = pending.splice(0, Math.ceil(pending.length * share));
          while (due.length > 0) {
            // Usually one event per message, as Event Grid writes them; sometimes a few together, to be coalesced.
            const batch = due.splice(0, random() < 0.2 ? 3 : 1);
            const { context } = invocationContext({ functionName: "resourceEventsFromQueue", triggerMetadata: { dequeueCount: 1 } });
            const result = await handleEventQueueMessage(batch.length === 1 ? batch[0] : batch, context, harness.deps);
            deliveries += 1;
            if (result === undefined || result.rejected.length > 0) failures.push(`ordering ${index}: a delivery was rejected`);
            for (const event of batch) {
              // At least once, never exactly once: some events come back later.
              if (!duplicated.has(event) && random() < 0.3) {
                duplicated.add(event);
                pending.push(event);
              }
            }
          }
        };
        // Some orderings hold every event back until the script has ended: the widest reordering there is.
        const holdAll = random() < 0.3;
        const resources = await runChangeScript(
          { emulator: harness.emulator, random, tag: `c${index}`, subscriptionId: SUBSCRIPTION_ID, clock },
          CHANGES_PER_SCRIPT,
          async (raised) => {
            pending.push(...raised);
            // Part of what is pending arrives now; the rest is delayed past later changes.
            if (!holdAll) await deliverSome(random() * 0.6);
          },
        );
        while (pending.length > 0) await deliverSome(1);

        const rows = harness.ledgerRows().filter((row) => resources.has(String(row.AzureResourceId).toLowerCase()));
        const differences = postureDifferences(currentPosture(rows), restricted(truthOf(harness.emulator.estate, clock()), resources));
        if (differences.length > 0) failures.push(`ordering ${index} (seed ${seed}): ${differences.join("; ")}`);
      },
    );
    expect(failures).toEqual([]);
    expect(deliveries).toBeGreaterThan(ORDERINGS * CHANGES_PER_SCRIPT);
  }, 600_000);
});
