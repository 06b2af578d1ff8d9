import { request } from "node:https";
import { gzipSync } from "node:zlib";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { MonitorClient } from "@azure/arm-monitor";
import { LogsIngestionClient } from "@azure/monitor-ingestion";
import type { Emulator } from "../../emulator/index.js";
import { ArmRestClient } from "../../shared/readers/armRestClient.js";

export const TEST_DCR = "dcr-0123456789abcdef0123456789abcdef";

/** The real SDK clients, pointed at the emulator. */
export function sdkClients(emulator: Emulator, subscriptionId = "00000000-0000-0000-0000-000000000000") {
  const options = emulator.clientOptions();
  return {
    graph: new ResourceGraphClient(emulator.credential, options),
    keyVault: new KeyVaultManagementClient(emulator.credential, subscriptionId, options),
    monitor: new MonitorClient(emulator.credential, subscriptionId, options),
    ingestion: new LogsIngestionClient(emulator.url, emulator.credential, options),
    arm: new ArmRestClient(emulator.credential, options),
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: unknown;
}

/** A request the SDKs would never send (wrong version, no token, oversized batch), straight over HTTPS. */
export function rawRequest(
  emulator: Emulator,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; gzip?: boolean; bearer?: boolean } = {},
): Promise<RawResponse> {
  let body: Buffer | undefined;
  if (options.body !== undefined) body = Buffer.from(typeof options.body === "string" ? options.body : JSON.stringify(options.body));
  if (body !== undefined && options.gzip) body = gzipSync(body);
  const headers: Record<string, string> = {
    ...(options.bearer === false ? {} : { authorization: "Bearer test" }),
    ...(body === undefined ? {} : { "content-type": "application/json", "content-length": String(body.length) }),
    ...(options.gzip ? { "content-encoding": "gzip" } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.url}${path}`, { method, headers, ca: emulator.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text.length > 0 ? JSON.parse(text) : undefined });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
