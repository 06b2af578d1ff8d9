/**
 * The Function app: registrations only. Handlers live in shared/handlers, where tests call them with a real
 * `InvocationContext`; here they are bound to their triggers.
 *
 * Loading this module is the cold start every new worker pays before the first invocation, so it imports only
 * what registration needs (the programming model, the settings, the governance file and the queue names). Each
 * trigger imports its handler, and the handlers build the Azure SDK clients, on its first invocation; in the
 * deployment package (scripts/packageFunctions.ts) each of those imports is a chunk of its own.
 */
import { app } from "@azure/functions";
import { loadConfig } from "../shared/config.js";
import { loadAppGovernance } from "../shared/governance/appGovernance.js";
import type { DependencySource, HandlerDependencies } from "../shared/handlers/dependencies.js";
import { EVENT_QUEUE_NAME, SHARD_QUEUE_NAME } from "../shared/queues/queueNames.js";

// Read when the host loads the app, so a missing or malformed setting stops it with a message naming the setting.
const config = loadConfig();
// The governance file (VAULTWATCH_CONFIG_FILE) too: an invalid one stops the app, naming the file and JSON path.
const governance = loadAppGovernance();
/** The host's own storage setting prefix: a connection string, or identity-based `__queueServiceUri`. */
const STORAGE_CONNECTION = "AzureWebJobsStorage";

let dependencyFactory: Promise<() => Promise<HandlerDependencies>> | undefined;
/** Dependencies built once per process on first use (a failed build is retried by the next invocation). */
const dependencies: DependencySource = async () => {
  dependencyFactory ??= import("../shared/handlers/dependencies.js").then((module) =>
    module.lazyHandlerDependencies(config, governance === undefined ? {} : { governance }),
  );
  return (await dependencyFactory)();
};

app.timer("sweepTimer", {
  schedule: config.sweep.schedule,
  handler: async (timer, context) => {
    const { handleSweepTimer } = await import("../shared/handlers/sweepTimerHandler.js");
    await handleSweepTimer(timer, context, dependencies);
  },
});

app.storageQueue("sweepShard", {
  queueName: SHARD_QUEUE_NAME,
  connection: STORAGE_CONNECTION,
  handler: async (message, context) => {
    const { handleShardMessage } = await import("../shared/handlers/shardHandler.js");
    await handleShardMessage(message, context, dependencies);
  },
});

app.storageQueue("resourceEventsFromQueue", {
  queueName: EVENT_QUEUE_NAME,
  connection: STORAGE_CONNECTION,
  handler: async (message, context) => {
    const { handleEventQueueMessage } = await import("../shared/handlers/eventHandlers.js");
    await handleEventQueueMessage(message, context, dependencies);
  },
});

app.eventGrid("resourceEventsFromEventGrid", {
  handler: async (event, context) => {
    const { handleEventGridEvent } = await import("../shared/handlers/eventHandlers.js");
    await handleEventGridEvent(event, context, dependencies);
  },
});
