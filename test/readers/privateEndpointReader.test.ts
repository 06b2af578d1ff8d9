import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, type JsonObject, generateEstate, startEmulator } from "../../emulator/index.js";
import { ArmRestClient } from "../../shared/readers/armRestClient.js";
import { PrivateEndpointReader } from "../../shared/readers/privateEndpointReader.js";
import { AzureReadError } from "../../shared/readers/readError.js";
import { listSubscriptions } from "../../shared/readers/subscriptionLister.js";

const generated = generateEstate({ resources: 10, subscriptions: 3, seed: 17 });
const vaultId = [...generated.estate.exportBodies()].find((body) => String(body["type"]).endsWith("vaults"))?.["id"] as string;

describe("the private endpoint reader and the subscription lister, through the ARM pipeline", () => {
  let emulator: Emulator;
  let arm: ArmRestClient;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: generated.estate, knobs: { armPageSize: 2 } });
    arm = new ArmRestClient(emulator.credential, emulator.clientOptions());
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    emulator.counters.reset();
    emulator.knobs.faults = [];
  });

  const endpointOf = (connectionId: string): string => {
    const connection = emulator.estate.listPrivateEndpointConnections(vaultId)?.find((item) => item["id"] === connectionId) as JsonObject;
    return ((connection["properties"] as JsonObject)["privateEndpoint"] as JsonObject)["id"] as string;
  };

  it("finds the vault a pending private endpoint asks to reach, and follows it once approved", async () => {
    const connectionId = emulator.estate.addPrivateEndpointConnection(vaultId, { status: "Pending", name: "pe-reader-test" });
    const reader = new PrivateEndpointReader(arm);
    const pending = await reader.read(endpointOf(connectionId));
    if (pending.state !== "found") throw new Error(`expected the endpoint, got ${pending.state}`);
    expect(pending.targets).toEqual([
      { privateLinkServiceId: vaultId, keyVaultResource: { id: vaultId, kind: "vault" }, status: "Pending", manual: true },
    ]);
    emulator.estate.setPrivateEndpointConnectionStatus(connectionId, "Approved");
    const approved = await reader.read(endpointOf(connectionId));
    if (approved.state !== "found") throw new Error(`expected the endpoint, got ${approved.state}`);
    expect(approved.targets).toEqual([expect.objectContaining({ status: "Approved", manual: false })]);
  });

  it("reports a deleted endpoint, and rejects ids that are not private endpoints before any request", async () => {
    const reader = new PrivateEndpointReader(arm);
    const gone = `/subscriptions/${generated.estate.subscriptions()[0]?.subscriptionId}/resourceGroups/rg-network/providers/Microsoft.Network/privateEndpoints/pe-gone`;
    expect(await reader.read(gone)).toEqual({ state: "deleted", id: gone });
    await expect(reader.read(vaultId)).rejects.toThrow(RangeError);
    await expect(reader.read(`${gone}?api-version=1`)).rejects.toThrow(RangeError);
    expect(emulator.counters.totalRequests()).toBe(1);
  });

  it("lists every readable subscription across pages", async () => {
    const listed = [];
    for await (const subscription of listSubscriptions(arm)) listed.push(subscription.subscriptionId);
    expect(listed.sort()).toEqual(generated.estate.subscriptions().map((subscription) => subscription.subscriptionId).sort());
    expect(emulator.counters.requests.armSubscriptions).toBe(2);
  });

  it("refuses to follow a nextLink that leaves the ARM endpoint, so the token never goes elsewhere", async () => {
    emulator.knobs.faults.push({ kinds: ["armSubscriptions"], status: 200, body: { value: [], nextLink: "https://evil.example/subscriptions?page=2" }, remaining: 1 });
    const failure = await (async () => {
      for await (const _ of listSubscriptions(arm)) void _;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RangeError);
    expect((failure as Error).message).toMatch(/evil\.example/);
    expect(emulator.counters.requests.armSubscriptions).toBe(1);
  });

  it("throws the status and code when listing fails after the pipeline's retries", async () => {
    emulator.knobs.faults.push({ kinds: ["armSubscriptions"], status: 503 });
    const failure = await (async () => {
      for await (const _ of listSubscriptions(arm)) void _;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AzureReadError);
    expect((failure as AzureReadError).statusCode).toBe(503);
    expect(emulator.counters.requests.armSubscriptions).toBe(4);
  });
});
