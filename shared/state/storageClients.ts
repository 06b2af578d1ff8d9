import type { TokenCredential } from "@azure/core-auth";
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { QueueServiceClient, type QueueClient } from "@azure/storage-queue";
import type { StorageConfig } from "../config.js";

function connectionStringUsesHttp(connectionString: string): boolean {
  // Azurite speaks plain http; the Tables SDK refuses that unless told, the blob and queue SDKs do not care.
  return /(^|;)\s*(DefaultEndpointsProtocol\s*=\s*http|\w+Endpoint\s*=\s*http:)/i.test(connectionString) ||
    /(^|;)\s*UseDevelopmentStorage\s*=\s*true/i.test(connectionString);
}

function requireCredential(credential: TokenCredential | undefined, service: string): TokenCredential {
  if (credential === undefined) {
    throw new TypeError(`Identity-based storage needs a TokenCredential to reach the ${service} service.`);
  }
  return credential;
}

/** A Table Storage client in the Functions host's storage convention (`AzureWebJobsStorage`). */
export function tableClientFor(storage: StorageConfig, tableName: string, credential?: TokenCredential): TableClient {
  if (storage.kind === "connectionString") {
    return TableClient.fromConnectionString(storage.connectionString, tableName, {
      allowInsecureConnection: connectionStringUsesHttp(storage.connectionString),
    });
  }
  return new TableClient(storage.tableServiceUri, tableName, requireCredential(credential, "table"));
}

export function containerClientFor(storage: StorageConfig, containerName: string, credential?: TokenCredential): ContainerClient {
  const service =
    storage.kind === "connectionString"
      ? BlobServiceClient.fromConnectionString(storage.connectionString)
      : new BlobServiceClient(storage.blobServiceUri, requireCredential(credential, "blob"));
  return service.getContainerClient(containerName);
}

export function queueClientFor(storage: StorageConfig, queueName: string, credential?: TokenCredential): QueueClient {
  const service =
    storage.kind === "connectionString"
      ? QueueServiceClient.fromConnectionString(storage.connectionString)
      : new QueueServiceClient(storage.queueServiceUri, requireCredential(credential, "queue"));
  return service.getQueueClient(queueName);
}
