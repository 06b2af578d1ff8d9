/**
 * Everything the Functions tests share: the emulator (Azure), Azurite (storage), handler dependencies built from
 * app settings exactly as the Function app builds them, a real `InvocationContext` with captured logs, and a queue
 * host that drives queue-triggered handlers the way the Functions queue extension does.
 */
import { InvocationContext, type InvocationContextInit, type LogLevel } from "@azure/functions";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator/index.js";
import { type Environment, loadConfig } from "../../../shared/config.js";
import { type CreateHandlerDependenciesOptions, type HandlerDependencies, createHandlerDependencies } from "../../../shared/handlers/dependencies.js";
import { decodeQueueMessage } from "../../../shared/queues/queueMessage.js";
import { QUEUE_MAX_DEQUEUE_COUNT } from "../../../shared/queues/queueNames.js";
import { FINDINGS_STREAM_NAME } from "../../../shared/sink/findingsSchema.js";
import { type LocalAzurite, startAzurite } from "../../support/azurite.js";

export const DCR_IMMUTABLE_ID = "dcr-00000000000000000000000000000001";

export interface FunctionsHarness {
  readonly emulator: Emulator;
  readonly azurite: LocalAzurite;
  readonly deps: HandlerDependencies;
  readonly queues: QueueServiceClient;
  /** Rows the emulator's Logs Ingestion endpoint accepted, in arrival order. */
  ledgerRows(): readonly Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly emulator?: EmulatorOptions;
  /** App settings on top of the ones pointing at the emulator and Azurite. */
  readonly settings?: Environment;
  readonly dependencies?: Omit<CreateHandlerDependenciesOptions, "connection">;
}

export async function startFunctionsHarness(options: HarnessOptions = {}): Promise<FunctionsHarness> {
  const emulator = await startEmulator({ knobs: { latencyMs: 0 }, ...options.emulator });
  let azurite: LocalAzurite | undefined;
  try {
    azurite = await startAzurite();
    const config = loadConfig({
      VAULTWATCH_INGESTION_ENDPOINT: emulator.url,
      VAULTWATCH_DCR_IMMUTABLE_ID: DCR_IMMUTABLE_ID,
      VAULTWATCH_ARM_ENDPOINT: emulator.url,
      AzureWebJobsStorage: azurite.connectionString,
      ...options.settings,
    });
    const clientOptions = emulator.clientOptions();
    const deps = await createHandlerDependencies(config, {
      connection: { credential: emulator.credential, endpoint: emulator.url, tlsOptions: clientOptions.tlsOptions, retryOptions: clientOptions.retryOptions },
      diagnosticSettings: { backoffMs: 10 },
      resourceGraph: { fallbackThrottleDelayMs: 50 },
      ...options.dependencies,
    });
    const started = azurite;
    return {
      emulator,
      azurite: started,
      deps,
      queues: QueueServiceClient.fromConnectionString(started.connectionString),
      ledgerRows: () => emulator.ledger.records(FINDINGS_STREAM_NAME) as readonly Record<string, unknown>[],
      stop: async () => {
        await Promise.allSettled([emulator.stop(), started.stop()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([emulator.stop(), azurite?.stop()]);
    throw error;
  }
}

export interface CapturedLog {
  readonly level: LogLevel;
  readonly message: string;
}

/** A real `InvocationContext` whose log lines are kept for assertions. */
export function invocationContext(init: Omit<InvocationContextInit, "logHandler"> = {}): { context: InvocationContext; logs: CapturedLog[] } {
  const logs: CapturedLog[] = [];
  const context = new InvocationContext({
    invocationId: `test-${Math.random().toString(16).slice(2, 10)}`,
    ...init,
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
  });
  return { context, logs };
}

/** What the Node worker hands a queue-triggered function: the message text parsed as JSON when it is JSON. */
function asTriggerInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export type QueueHandler = (message: unknown, context: InvocationContext) => Promise<unknown>;

export interface DrainReport {
  readonly invocations: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Messages the host itself moved to `<queue>-poison` (after MaxDequeueCount failed deliveries). */
  readonly poisonedByHost: number;
  readonly logs: CapturedLog[];
}

/**
 * Drives a queue-triggered handler like the Functions queue extension: dequeues (base64, host.json's encoding),
 * passes the decoded JSON and the trigger metadata (`id`, `dequeueCount`, …), deletes the message on success,
 * makes it visible again on failure, and after `MaxDequeueCount` failed deliveries copies it to `<queue>-poison`.
 * Runs until the queue is empty, with up to `concurrency` invocations at once.
 */
export async function drainQueue(
  queue: QueueClient,
  handler: QueueHandler,
  options: { functionName?: string; concurrency?: number; maxInvocations?: number; queues?: QueueServiceClient } = {},
): Promise<DrainReport> {
  const logs: CapturedLog[] = [];
  const counts = { invocations: 0, succeeded: 0, failed: 0, poisonedByHost: 0 };
  const maxInvocations = options.maxInvocations ?? 10_000;
  const poison = options.queues?.getQueueClient(`${queue.name}-poison`);
  await poison?.createIfNotExists();
  for (;;) {
    const { receivedMessageItems: batch } = await queue.receiveMessages({ numberOfMessages: options.concurrency ?? 4, visibilityTimeout: 30 });
    if (batch.length === 0) {
      const { approximateMessagesCount } = await queue.getProperties();
      if ((approximateMessagesCount ?? 0) === 0) return { ...counts, logs };
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    await Promise.all(
      batch.map(async (item) => {
        if (counts.invocations >= maxInvocations) throw new Error(`drainQueue: more than ${maxInvocations} invocations; a message keeps coming back.`);
        counts.invocations += 1;
        const text = Buffer.from(item.messageText, "base64").toString("utf8");
        const { context, logs: invocationLogs } = invocationContext({
          functionName: options.functionName ?? queue.name,
          triggerMetadata: { id: item.messageId, dequeueCount: item.dequeueCount, insertionTime: item.insertedOn.toISOString(), popReceipt: item.popReceipt },
        });
        try {
          await handler(asTriggerInput(text), context);
          counts.succeeded += 1;
          await queue.deleteMessage(item.messageId, item.popReceipt);
        } catch {
          counts.failed += 1;
          if (item.dequeueCount >= QUEUE_MAX_DEQUEUE_COUNT && poison !== undefined) {
            await poison.sendMessage(item.messageText);
            await queue.deleteMessage(item.messageId, item.popReceipt);
            counts.poisonedByHost += 1;
          } else {
            await queue.updateMessage(item.messageId, item.popReceipt, undefined, 0);
          }
        } finally {
          logs.push(...invocationLogs);
        }
      }),
    );
  }
}

/** Every message on a queue, decoded, without removing them. */
export async function peekAll(queue: QueueClient): Promise<unknown[]> {
  const { peekedMessageItems } = await queue.peekMessages({ numberOfMessages: 32 });
  return peekedMessageItems.map((item) => decodeQueueMessage(item.messageText));
}
