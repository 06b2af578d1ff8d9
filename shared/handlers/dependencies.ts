import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { LogsIngestionClient } from "@azure/monitor-ingestion";
import type { VaultwatchConfig } from "../config.js";
import type { GovernanceConfig } from "../governance/governanceConfig.js";
import { COVERAGE_TABLE_NAME, EventArrivals } from "../eventCoverage/eventArrivals.js";
import { PoisonQueue } from "../queues/poisonQueue.js";
import { EVENT_QUEUE_NAME, SHARD_QUEUE_NAME, poisonQueueName } from "../queues/queueNames.js";
import { ShardQueue } from "../queues/shardQueue.js";
import { type AzureConnection, createAzureReaders } from "../readers/azureReaders.js";
import type { DiagnosticSettingsReaderOptions } from "../readers/diagnosticSettingsReader.js";
import { CachedPolicyExemptions } from "../readers/policyExemptionReader.js";
import type { ResourceGraphReaderOptions } from "../readers/resourceGraphReader.js";
import { BlobSpool, SPOOL_CONTAINER_NAME, SPOOL_DEAD_LETTER_CONTAINER_NAME } from "../sink/blobSpool.js";
import { findingRowsBuilder } from "../sink/findingRows.js";
import { FindingsWriter } from "../sink/findingsWriter.js";
import { containerClientFor, queueClientFor, tableClientFor } from "../state/storageClients.js";
import { STATE_TABLE_NAME, TableStateStore } from "../state/tableStateStore.js";
import { TOOL_VERSION } from "../version.js";
import { ConfiguredEventScope } from "./eventScope.js";
import type { EventWorkerDependencies } from "./resourceEvents.js";
import { RUNS_TABLE_NAME, RunRecords } from "./runRecords.js";
import type { ShardWorkerDependencies } from "./shardWorker.js";
import { TableStateIndex } from "./stateIndex.js";
import type { SweepPlannerDependencies } from "./sweepPlanner.js";

/** Everything the four functions use, built once per worker process and shared by its invocations. */
export type HandlerDependencies = SweepPlannerDependencies &
  ShardWorkerDependencies &
  EventWorkerDependencies & {
    readonly shardPoison: PoisonQueue;
    readonly eventPoison: PoisonQueue;
    readonly eventArrivals: EventArrivals;
  };

/** Handlers take their dependencies ready-made (tests) or as a lazy factory (the Function app). */
export type DependencySource = HandlerDependencies | (() => Promise<HandlerDependencies>);

export async function resolveDependencies(source: DependencySource): Promise<HandlerDependencies> {
  return typeof source === "function" ? source() : source;
}

export type { AzureConnection } from "../readers/azureReaders.js";

export interface CreateHandlerDependenciesOptions {
  /** Default: `DefaultAzureCredential` (with `AZURE_CLIENT_ID`) and the configured ARM endpoint. */
  readonly connection?: AzureConnection;
  /** For identity-based storage; default: the storage client id's managed identity, else the Azure credential. */
  readonly storageCredential?: TokenCredential;
  readonly clock?: () => Date;
  readonly toolVersion?: string;
  readonly resourceGraph?: ResourceGraphReaderOptions;
  readonly diagnosticSettings?: DiagnosticSettingsReaderOptions;
  /** The deployed configuration file, already validated at start. */
  readonly governance?: GovernanceConfig;
  /** Per-request timeout of Logs Ingestion calls (default `INGESTION_REQUEST_TIMEOUT_MS`). */
  readonly ingestionTimeoutMs?: number;
}

/** Logs Ingestion answers a 1 MB call in well under a second; thirty seconds is a hung connection, not a slow one. */
export const INGESTION_REQUEST_TIMEOUT_MS = 30_000;

/** Sets a timeout on every attempt of a request (the Node HTTP client aborts the attempt when it passes). */
export function requestTimeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: "vaultwatchRequestTimeout",
    sendRequest: (request, next) => {
      request.timeout = timeoutMs;
      return next(request);
    },
  };
}

export function azureConnectionFor(config: VaultwatchConfig): AzureConnection {
  const credential = new DefaultAzureCredential(config.azureClientId === undefined ? {} : { managedIdentityClientId: config.azureClientId });
  return { credential, endpoint: config.armEndpoint };
}

/** Builds the clients, readers, stores and queues from validated settings, creating what storage lacks. */
export async function createHandlerDependencies(config: VaultwatchConfig, options: CreateHandlerDependenciesOptions = {}): Promise<HandlerDependencies> {
  const connection = options.connection ?? azureConnectionFor(config);
  const clock = options.clock ?? (() => new Date());
  const toolVersion = options.toolVersion ?? TOOL_VERSION;
  const storageCredential =
    config.storage.kind === "identity"
      ? (options.storageCredential ??
        (config.storage.clientId !== undefined ? new ManagedIdentityCredential({ clientId: config.storage.clientId }) : connection.credential))
      : undefined;

  const readers = createAzureReaders(connection, {
    ...(options.resourceGraph === undefined ? {} : { resourceGraph: options.resourceGraph }),
    ...(options.diagnosticSettings === undefined ? {} : { diagnosticSettings: options.diagnosticSettings }),
  });
  const ingestion = new LogsIngestionClient(config.sink.ingestionEndpoint, connection.credential, {
    ...(connection.tlsOptions === undefined ? {} : { tlsOptions: connection.tlsOptions }),
    ...(connection.retryOptions === undefined ? {} : { retryOptions: connection.retryOptions }),
    // A hung endpoint must not hold a worker until functionTimeout: each attempt gives up after this long, and
    // the rows of a call that timed out are spooled like any other undelivered rows.
    additionalPolicies: [{ policy: requestTimeoutPolicy(options.ingestionTimeoutMs ?? INGESTION_REQUEST_TIMEOUT_MS), position: "perRetry" }],
  });

  const stateTable = tableClientFor(config.storage, STATE_TABLE_NAME, storageCredential);
  const [stateStore, runRecords, spool, eventArrivals] = await Promise.all([
    TableStateStore.open(stateTable, findingRowsBuilder),
    RunRecords.open(tableClientFor(config.storage, RUNS_TABLE_NAME, storageCredential)),
    BlobSpool.open(
      containerClientFor(config.storage, SPOOL_CONTAINER_NAME, storageCredential),
      clock,
      containerClientFor(config.storage, SPOOL_DEAD_LETTER_CONTAINER_NAME, storageCredential),
    ),
    EventArrivals.open(tableClientFor(config.storage, COVERAGE_TABLE_NAME, storageCredential)),
  ]);
  const queue = (name: string) => queueClientFor(config.storage, name, storageCredential);
  const shardQueueClient = queue(SHARD_QUEUE_NAME);
  const shardPoisonClient = queue(poisonQueueName(SHARD_QUEUE_NAME));
  const eventPoisonClient = queue(poisonQueueName(EVENT_QUEUE_NAME));
  await Promise.all([shardQueueClient.createIfNotExists(), shardPoisonClient.createIfNotExists(), eventPoisonClient.createIfNotExists()]);

  return {
    scope: config.scope,
    eventScope: new ConfiguredEventScope(config.scope, readers.resourceGraphClient, clock),
    subscriptionsPerShard: config.sweep.subscriptionsPerShard,
    directory: { arm: readers.arm, resourceGraph: readers.resourceGraphClient },
    runRecords,
    shardQueue: new ShardQueue(shardQueueClient),
    shardPoison: new PoisonQueue(shardPoisonClient),
    eventPoison: new PoisonQueue(eventPoisonClient),
    resourceGraphReader: readers.resourceGraph,
    policyExemptionReader: readers.policyExemptions,
    policyExemptionCache: new CachedPolicyExemptions(readers.policyExemptions),
    ...(options.governance === undefined ? {} : { governance: options.governance }),
    diagnosticSettingsReader: readers.diagnosticSettings,
    keyVaultReader: readers.keyVault,
    privateEndpointReader: readers.privateEndpoints,
    stateStore,
    stateIndex: new TableStateIndex(stateTable),
    writer: new FindingsWriter({ client: ingestion, ruleId: config.sink.dcrImmutableId, streamName: config.sink.streamName, spool, clock }),
    eventArrivals,
    coverage: { resourceGraph: readers.resourceGraphClient, deliveryIdentityId: config.eventsIdentityId, arrivals: eventArrivals },
    clock,
    toolVersion,
  };
}

/**
 * The Function app's dependencies: built on first use and then shared. A failed build is not cached, so the next
 * invocation tries again (storage may have been briefly unreachable at start).
 */
export function lazyHandlerDependencies(config: VaultwatchConfig, options: CreateHandlerDependenciesOptions = {}): () => Promise<HandlerDependencies> {
  let building: Promise<HandlerDependencies> | undefined;
  return () => {
    building ??= createHandlerDependencies(config, options).catch((error: unknown) => {
      building = undefined;
      throw error;
    });
    return building;
  };
}
