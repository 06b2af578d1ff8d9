/**
 * The Function app: registrations only. Handlers live in shared/handlers, where tests call them with a real
 * `InvocationContext`; here they are bound to their triggers and to dependencies built once per process.
 */
import { app } from "@azure/functions";
import { loadConfig } from "../shared/config.js";
import { loadAppGovernance } from "../shared/governance/appGovernance.js";
import { lazyHandlerDependencies } from "../shared/handlers/dependencies.js";
import { handleEventGridEvent, handleEventQueueMessage } from "../shared/handlers/eventHandlers.js";
import { handleShardMessage } from "../shared/handlers/shardHandler.js";
import { handleSweepTimer } from "../shared/handlers/sweepTimerHandler.js";
import { EVENT_QUEUE_NAME, SHARD_QUEUE_NAME } from "../shared/queues/queueNames.js";

// Read when the host loads the app, so a missing or malformed setting stops it with a message naming the setting.
const config = loadConfig();
// The governance file (VAULTWATCH_CONFIG_FILE) too: an invalid one stops the app, naming the file and JSON path.
const governance = loadAppGovernance();
const dependencies = lazyHandlerDependencies(config, governance === undefined ? {} : { governance });
/** The host's own storage setting prefix: a connection string, or identity-based `__queueServiceUri`. */
const STORAGE_CONNECTION = "AzureWebJobsStorage";

app.timer("sweepTimer", {
  schedule: config.sweep.schedule,
  handler: async (timer, context) => {
    await handleSweepTimer(timer, context, dependencies);
  },
});

app.storageQueue("sweepShard", {
  queueName: SHARD_QUEUE_NAME,
  connection: STORAGE_CONNECTION,
  handler: async (message, context) => {
    await handleShardMessage(message, context, dependencies);
  },
});

app.storageQueue("resourceEventsFromQueue", {
  queueName: EVENT_QUEUE_NAME,
  connection: STORAGE_CONNECTION,
  handler: async (message, context) => {
    await handleEventQueueMessage(message, context, dependencies);
  },
});

app.eventGrid("resourceEventsFromEventGrid", {
  handler: async (event, context) => {
    await handleEventGridEvent(event, context, dependencies);
  },
});
