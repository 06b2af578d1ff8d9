import type { InvocationContextInit } from "@azure/functions";
import { InvocationContext } from "../../shared/handlers/functionsRuntime.js";
import type { QueueClient } from "@azure/storage-queue";
import { decodeQueueMessage } from "../../shared/queues/queueMessage.js";

/**
 * Plays the Functions queue trigger locally: takes each message off the queue, decodes it as the queue extension
 * does (base64 JSON), calls the handler with a real InvocationContext carrying the dequeue count, and deletes the
 * message only when the handler returned. A handler that throws leaves its message for the next delivery.
 */
export async function drainQueue(
  queue: QueueClient,
  functionName: string,
  handler: (message: unknown, context: InvocationContext) => Promise<unknown>,
  contextInit: Partial<InvocationContextInit> = {},
): Promise<number> {
  let handled = 0;
  for (;;) {
    const { receivedMessageItems: messages } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 120 });
    if (messages.length === 0) return handled;
    for (const message of messages) {
      const context = new InvocationContext({
        ...contextInit,
        functionName,
        invocationId: message.messageId,
        triggerMetadata: { id: message.messageId, dequeueCount: message.dequeueCount, insertionTime: message.insertedOn },
      });
      await handler(decodeQueueMessage(message.messageText), context);
      await queue.deleteMessage(message.messageId, message.popReceipt);
      handled += 1;
    }
  }
}
