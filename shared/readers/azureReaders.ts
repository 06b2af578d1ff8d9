import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelineRetryOptions, TlsSettings } from "@azure/core-rest-pipeline";
import { ArmRestClient } from "./armRestClient.js";
import { DiagnosticSettingsReader, type DiagnosticSettingsReaderOptions } from "./diagnosticSettingsReader.js";
import { KeyVaultResourceReader } from "./keyVaultResourceReader.js";
import { PolicyExemptionReader } from "./policyExemptionReader.js";
import { PrivateEndpointReader } from "./privateEndpointReader.js";
import { type ReaderStats, type ThrottleWait, armRequestKind, countingPolicy } from "./readerStats.js";
import { ResourceGraphReader, type ResourceGraphReaderOptions } from "./resourceGraphReader.js";

/** Where and as whom to read: Azure (`DefaultAzureCredential`, the public ARM endpoint) or the emulator. */
export interface AzureConnection {
  readonly credential: TokenCredential;
  /** ARM endpoint (Resource Graph lives on it too), e.g. https://management.azure.com. */
  readonly endpoint: string;
  readonly tlsOptions?: TlsSettings;
  readonly retryOptions?: PipelineRetryOptions;
}

export interface AzureReaders {
  readonly resourceGraph: ResourceGraphReader;
  readonly diagnosticSettings: DiagnosticSettingsReader;
  readonly keyVault: KeyVaultResourceReader;
  readonly privateEndpoints: PrivateEndpointReader;
  readonly policyExemptions: PolicyExemptionReader;
  /** For the subscription list (`listSubscriptions`) and private endpoints: the SDK pipeline's retries apply. */
  readonly arm: ArmRestClient;
  /** Resource Graph for queries other than the posture pages (the subscriptions under a group, event topics). */
  readonly resourceGraphClient: ResourceGraphClient;
}

export interface AzureReadersOptions {
  readonly stats?: ReaderStats;
  readonly onThrottleWait?: (wait: ThrottleWait) => void;
  readonly resourceGraph?: Omit<ResourceGraphReaderOptions, "stats" | "onThrottleWait">;
  readonly diagnosticSettings?: Omit<DiagnosticSettingsReaderOptions, "stats" | "onThrottleWait">;
}

/**
 * The one factory of Azure clients and readers (the CLI's scan and the Function app both use it), wired to one
 * connection, with every HTTP attempt counted in `stats` when given.
 *
 * One retry layer per call: `/batch` goes through a pipeline with the SDK's retries off, because
 * `DiagnosticSettingsReader` retries each inner request itself (per-item 429s, paced per subscription). Stacked,
 * the SDK's three retries under the reader's six attempts made up to 24 calls for one chunk.
 */
export function createAzureReaders(connection: AzureConnection, options: AzureReadersOptions = {}): AzureReaders {
  const { stats, onThrottleWait } = options;
  const clientOptions = (kind: Parameters<typeof countingPolicy>[1]) => ({
    endpoint: connection.endpoint,
    tlsOptions: connection.tlsOptions,
    retryOptions: connection.retryOptions,
    additionalPolicies: stats === undefined ? [] : [{ policy: countingPolicy(stats, kind), position: "perRetry" as const }],
  });
  const arm = new ArmRestClient(connection.credential, {
    endpoint: connection.endpoint,
    tlsOptions: connection.tlsOptions,
    retryOptions: connection.retryOptions,
    perRetryPolicies: stats === undefined ? [] : [countingPolicy(stats, armRequestKind)],
  });
  const batchArm = new ArmRestClient(connection.credential, {
    endpoint: connection.endpoint,
    tlsOptions: connection.tlsOptions,
    retryOptions: { ...connection.retryOptions, maxRetries: 0 },
    perRetryPolicies: stats === undefined ? [] : [countingPolicy(stats, armRequestKind)],
  });
  const keyVaultClients = new Map<string, KeyVaultManagementClient>();
  const resourceGraphClient = new ResourceGraphClient(connection.credential, clientOptions("resourceGraph"));
  const resourceGraph = new ResourceGraphReader(resourceGraphClient, {
    ...options.resourceGraph,
    stats,
    onThrottleWait,
  });
  return {
    resourceGraph,
    policyExemptions: new PolicyExemptionReader(resourceGraph),
    diagnosticSettings: new DiagnosticSettingsReader(batchArm, { ...options.diagnosticSettings, stats, onThrottleWait }),
    keyVault: new KeyVaultResourceReader((subscriptionId) => {
      let client = keyVaultClients.get(subscriptionId.toLowerCase());
      if (client === undefined) {
        client = new KeyVaultManagementClient(connection.credential, subscriptionId, clientOptions("keyVaultGet"));
        keyVaultClients.set(subscriptionId.toLowerCase(), client);
      }
      return client;
    }),
    privateEndpoints: new PrivateEndpointReader(arm),
    arm,
    resourceGraphClient,
  };
}
