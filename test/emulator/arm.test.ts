import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { type PipelinePolicy, RestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, Estate, type JsonObject, startEmulator } from "../../emulator/index.js";
import { rawRequest, sdkClients } from "../support/emulatorClients.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const SUBSCRIPTION = "22222222-2222-4222-8222-222222222222";
const GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-app`;

function vault(name: string, properties: JsonObject = {}): JsonObject {
  return {
    id: `${GROUP}/providers/Microsoft.KeyVault/vaults/${name}`,
    name,
    type: "Microsoft.KeyVault/vaults",
    location: "westeurope",
    tags: {},
    properties: { tenantId: TENANT, sku: { family: "A", name: "standard" }, accessPolicies: [], ...properties },
  };
}

function smallEstate(): Estate {
  const estate = new Estate(TENANT);
  estate.addManagementGroup(TENANT);
  estate.addSubscription({ subscriptionId: SUBSCRIPTION, displayName: "sub-app", tenantId: TENANT, managementGroupId: TENANT });
  for (let index = 0; index < 7; index += 1) estate.upsertResource(vault(`kv-app-${index}`));
  estate.upsertResource({
    id: `${GROUP}/providers/Microsoft.KeyVault/managedHSMs/mhsm-app`,
    name: "mhsm-app",
    type: "Microsoft.KeyVault/managedHSMs",
    location: "westeurope",
    sku: { family: "B", name: "Standard_B1" },
    properties: { tenantId: TENANT, securityDomainProperties: { activationStatus: "Active" } },
  });
  return estate;
}

describe("the emulator's ARM reads, driven by the real arm-keyvault and arm-monitor clients", () => {
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: smallEstate(), knobs: { armPageSize: 3 } });
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    emulator.resetThrottles();
    emulator.counters.reset();
    emulator.knobs.faults = [];
    Object.assign(emulator.knobs.armReads, { burst: 250, refillPerSecond: 25, retryAfterOn429: "seconds" });
  });

  it("serves a vault and a Managed HSM by name, with the bodies the SDK needs", async () => {
    const { keyVault } = sdkClients(emulator, SUBSCRIPTION);
    const found = await keyVault.vaults.get("rg-app", "kv-app-1");
    expect(found.id).toBe(`${GROUP}/providers/Microsoft.KeyVault/vaults/kv-app-1`);
    expect(found.properties.tenantId).toBe(TENANT);
    const hsm = await keyVault.managedHsms.get("rg-app", "mhsm-app");
    expect(hsm.properties?.securityDomainProperties?.activationStatus).toBe("Active");
    expect(emulator.counters.requests.armVault).toBe(1);
    expect(emulator.counters.requests.armManagedHsm).toBe(1);
  });

  it("answers 404 ResourceNotFound for a vault that does not exist or was deleted", async () => {
    const { keyVault } = sdkClients(emulator, SUBSCRIPTION);
    const missing = await keyVault.vaults.get("rg-app", "kv-nope").catch((error: unknown) => error);
    expect((missing as RestError).statusCode).toBe(404);
    expect((missing as RestError).code).toBe("ResourceNotFound");
  });

  it("lists by subscription in pages that follow an absolute nextLink back to the emulator", async () => {
    const { keyVault } = sdkClients(emulator, SUBSCRIPTION);
    const names: string[] = [];
    for await (const item of keyVault.vaults.listBySubscription()) names.push(item.name ?? "");
    expect(names).toHaveLength(7);
    expect(emulator.counters.requests.armVaultList).toBe(3);
  });

  it("lists diagnostic settings for the resource even with the monitor SDK's leading double slash", async () => {
    const id = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-app-2`;
    emulator.estate.setDiagnosticSettings(id, [{ name: "audit", properties: { workspaceId: "/w", logs: [{ categoryGroup: "audit", enabled: true }] } }]);
    const { monitor } = sdkClients(emulator, SUBSCRIPTION);
    const settings = [];
    for await (const setting of monitor.diagnosticSettings.list(id)) settings.push(setting);
    expect(settings).toHaveLength(1);
    expect(settings[0]?.logs?.[0]?.categoryGroup).toBe("audit");
    expect(settings[0]?.id?.toLowerCase()).toContain("/providers/microsoft.insights/diagnosticsettings/audit");
  });

  it("answers 403 AuthorizationFailed for diagnostic settings marked forbidden", async () => {
    const id = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-app-3`;
    emulator.estate.setDiagnosticSettingsForbidden(id, true);
    const { monitor } = sdkClients(emulator, SUBSCRIPTION);
    const failure = await (async () => {
      for await (const _ of monitor.diagnosticSettings.list(id)) return undefined;
    })().catch((error: unknown) => error);
    expect((failure as RestError).statusCode).toBe(403);
    expect((failure as RestError).code).toBe("AuthorizationFailed");
  });

  it("throttles reads per subscription from a token bucket, with Retry-After the SDK honours", async () => {
    // The bucket's clock moves only as far as the client waits when told to (Retry-After), never with the machine's
    // load: four reads in a row from a burst of two meet exactly two 429s (the third and fourth read each wait for a
    // token), however slowly they are sent.
    let throttleNow = 0;
    const paced = await startEmulator({
      estate: smallEstate(),
      knobs: { latencyMs: 0, armReads: { burst: 2, refillPerSecond: 50, retryAfterOn429: "milliseconds" } },
      throttleClock: () => throttleNow,
    });
    try {
      const waitedAsTold: PipelinePolicy = {
        name: "advanceThrottleClock",
        sendRequest: async (request, next) => {
          const response = await next(request);
          if (response.status === 429) throttleNow += Number(response.headers.get("retry-after-ms") ?? 0);
          return response;
        },
      };
      const keyVault = new KeyVaultManagementClient(paced.credential, SUBSCRIPTION, {
        ...paced.clientOptions(),
        additionalPolicies: [{ policy: waitedAsTold, position: "perRetry" }],
      });
      for (let index = 0; index < 4; index += 1) await keyVault.vaults.get("rg-app", `kv-app-${index}`);
      expect(paced.counters.throttled.armVault).toBe(2);
      expect(paced.counters.requests.armVault).toBe(6);
    } finally {
      await paced.stop();
    }
  });

  it("answers a 429 with Retry-After in whole seconds by default, as ARM documents", async () => {
    Object.assign(emulator.knobs.armReads, { burst: 1, refillPerSecond: 0.5 });
    await rawRequest(emulator, "GET", `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-app-0?api-version=2026-02-01`);
    const throttled = await rawRequest(emulator, "GET", `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-app-0?api-version=2026-02-01`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("2");
    expect(throttled.headers["x-ms-ratelimit-remaining-subscription-reads"]).toBe("0");
  });

  it("refuses other api-versions, including the one arm-monitor 7 would send", async () => {
    const id = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-app-4`;
    const old = await rawRequest(emulator, "GET", `${id}/providers/Microsoft.Insights/diagnosticSettings?api-version=2017-05-01-preview`);
    expect(old.status).toBe(400);
    expect((await rawRequest(emulator, "GET", `${id}?api-version=2023-07-01`)).status).toBe(400);
  });

  it("can inject the HSM GET's documented 204 and a thin body, both of which crash the SDK's deserialiser", async () => {
    emulator.knobs.faults.push({ kinds: ["armManagedHsm"], status: 204, remaining: 1 });
    emulator.knobs.faults.push({ kinds: ["armVault"], status: 200, body: { id: `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-app-5` }, remaining: 1 });
    const { keyVault } = sdkClients(emulator, SUBSCRIPTION);
    await expect(keyVault.managedHsms.get("rg-app", "mhsm-app")).rejects.toBeInstanceOf(TypeError);
    await expect(keyVault.vaults.get("rg-app", "kv-app-5")).rejects.toBeInstanceOf(TypeError);
  });

  it("serves private endpoints, connection lists and the subscription list", async () => {
    const id = `${GROUP}/providers/Microsoft.KeyVault/vaults/kv-app-6`;
    const connectionId = emulator.estate.addPrivateEndpointConnection(id, { status: "Pending" });
    const connections = await rawRequest(emulator, "GET", `${id}/privateEndpointConnections?api-version=2026-02-01`);
    expect((connections.json as { value: { id: string }[] }).value.map((item) => item.id)).toEqual([connectionId]);
    const endpointId = ((connections.json as { value: { properties: { privateEndpoint: { id: string } } }[] }).value[0]?.properties.privateEndpoint.id) as string;
    const endpoint = await rawRequest(emulator, "GET", `${endpointId}?api-version=2024-05-01`);
    expect(endpoint.status).toBe(200);
    expect((endpoint.json as { properties: { manualPrivateLinkServiceConnections: unknown[] } }).properties.manualPrivateLinkServiceConnections).toHaveLength(1);
    const subscriptions = await rawRequest(emulator, "GET", "/subscriptions?api-version=2022-12-01");
    expect((subscriptions.json as { value: { subscriptionId: string }[] }).value.map((item) => item.subscriptionId)).toEqual([SUBSCRIPTION]);
  });
});
