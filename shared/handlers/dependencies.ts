import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelineRetryOptions, TlsSettings } from "@azure/core-rest-pipeline";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { LogsIngestionClient } from "@azure/monitor-ingestion";
import type { VaultwatchConfig } from "../config.js";
import { PoisonQueue } from "../queues/poisonQueue.js";
import { EVENT_QUEUE_NAME, SHARD_QUEUE_NAME, poisonQueueName } from "../queues/queueNames.js";
import { ShardQueue } from "../queues/shardQueue.js";
import { ArmRestClient } from "../readers/armRestClient.js";
import { DiagnosticSettingsReader, type DiagnosticSettingsReaderOptions } from "../readers/diagnosticSettingsReader.js";
import { type KeyVaultGetClient, KeyVaultResourceReader } from "../readers/keyVaultResourceReader.js";
import { PrivateEndpointReader } from "../readers/privateEndpointReader.js";
import { ResourceGraphReader, type ResourceGraphReaderOptions } from "../readers/resourceGraphReader.js";
import { BlobSpool, SPOOL_CONTAINER_NAME } from "../sink/blobSpool.js";
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
  };

/** Handlers take their dependencies ready-made (tests) or as a lazy factory (the Function app). */
export type DependencySource = HandlerDependencies | (() => Promise<HandlerDependencies>);

export async function resolveDependencies(source: DependencySource): Promise<HandlerDependencies> {
  return typeof source === "function" ? source() : source;
}

/** How Azure is reached: the real endpoints with the app's identity, or the emulator with its CA. */
export interface AzureConnection {
  readonly credential: TokenCredential;
  /** ARM and Resource Graph endpoint. */
  readonly armEndpoint: string;
  readonly tlsOptions?: TlsSettings;
  readonly retryOptions?: PipelineRetryOptions;
}

export interface CreateHandlerDependenciesOptions {
  /** Default: `DefaultAzureCredential` (with `AZURE_CLIENT_ID`) and the configured ARM endpoint. */
  readonly connection?: AzureConnection;
  /** For identity-based storage; default: the storage client id's managed identity, else the Azure credential. */
  readonly storageCredential?: TokenCredential;
  readonly clock?: () => Date;
  readonly toolVersion?: string;
  readonly resourceGraph?: ResourceGraphReaderOptions;
  readonly diagnosticSettings?: DiagnosticSettingsReaderOptions;
}

export function azureConnectionFor(config: VaultwatchConfig): AzureConnection {
  const credential = new DefaultAzureCredential(config.azureClientId === undefined ? {} : { managedIdentityClientId: config.azureClientId });
  return { credential, armEndpoint: config.armEndpoint };
}

/** Builds the clients, readers, stores and queues from validated settings, creating what storage lacks. */
export async function createHandlerDependencies(config: VaultwatchConfig, options: CreateHandlerDependenciesOptions = {}): Promise<HandlerDependencies> {
  const connection = options.connection ?? azureConnectionFor(config);
  const clock = options.clock ?? (() => new Date());
  const toolVersion = options.toolVersion ?? TOOL_VERSION;
  const clientOptions = {
    endpoint: connection.armEndpoint,
    ...(connection.tlsOptions === undefined ? {} : { tlsOptions: connection.tlsOptions }),
    ...(connection.retryOptions === undefined ? {} : { retryOptions: connection.retryOptions }),
  };
  const storageCredential =
    config.storage.kind === "identity"
      ? (options.storageCredential ??
        (config.storage.clientId !== undefined ? new ManagedIdentityCredential({ clientId: config.storage.clientId }) : connection.credential))
      : undefined;

  const arm = new ArmRestClient(connection.credential, clientOptions);
  const resourceGraph = new ResourceGraphClient(connection.credential, clientOptions);
  const keyVaultClients = new Map<string, KeyVaultGetClient>();
  const keyVaultClientFor = (subscriptionId: string): KeyVaultGetClient => {
    const key = subscriptionId.toLowerCase();
    let client = keyVaultClients.get(key);
    if (client === undefined) {
      client = new KeyVaultManagementClient(connection.credential, subscriptionId, clientOptions);
      keyVaultClients.set(key, client);
    }
    return client;
  };
  const ingestion = new LogsIngestionClient(config.sink.ingestionEndpoint, connection.credential, {
    ...(connection.tlsOptions === undefined ? {} : { tlsOptions: connection.tlsOptions }),
    ...(connection.retryOptions === undefined ? {} : { retryOptions: connection.retryOptions }),
  });

  const stateTable = tableClientFor(config.storage, STATE_TABLE_NAME, storageCredential);
  const [stateStore, runRecords, spool] = await Promise.all([
    TableStateStore.open(stateTable),
    RunRecords.open(tableClientFor(config.storage, RUNS_TABLE_NAME, storageCredential)),
    BlobSpool.open(containerClientFor(config.storage, SPOOL_CONTAINER_NAME, storageCredential), clock),
  ]);
  const queue = (name: string) => queueClientFor(config.storage, name, storageCredential);
  const shardQueueClient = queue(SHARD_QUEUE_NAME);
  const shardPoisonClient = queue(poisonQueueName(SHARD_QUEUE_NAME));
  const eventPoisonClient = queue(poisonQueueName(EVENT_QUEUE_NAME));
  await Promise.all([shardQueueClient.createIfNotExists(), shardPoisonClient.createIfNotExists(), eventPoisonClient.createIfNotExists()]);

  const diagnosticSettingsReader = new DiagnosticSettingsReader(arm, options.diagnosticSettings);
  return {
    scope: config.scope,
    eventScope: new ConfiguredEventScope(config.scope, resourceGraph, clock),
    subscriptionsPerShard: config.sweep.subscriptionsPerShard,
    directory: { arm, resourceGraph },
    runRecords,
    shardQueue: new ShardQueue(shardQueueClient),
    shardPoison: new PoisonQueue(shardPoisonClient),
    eventPoison: new PoisonQueue(eventPoisonClient),
    resourceGraphReader: new ResourceGraphReader(resourceGraph, options.resourceGraph),
    diagnosticSettingsReader,
    keyVaultReader: new KeyVaultResourceReader(keyVaultClientFor),
    privateEndpointReader: new PrivateEndpointReader(arm),
    stateStore,
    stateIndex: new TableStateIndex(stateTable),
    writer: new FindingsWriter({ client: ingestion, ruleId: config.sink.dcrImmutableId, streamName: config.sink.streamName, spool }),
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
