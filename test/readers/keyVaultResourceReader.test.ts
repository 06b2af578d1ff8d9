import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulator, type JsonObject, generateEstate, startEmulator } from "../../emulator/index.js";
import { createAzureReaders } from "../../shared/readers/azureReaders.js";
import type { KeyVaultResourceReader } from "../../shared/readers/keyVaultResourceReader.js";
import { AzureReadError } from "../../shared/readers/readError.js";

const generated = generateEstate({ resources: 12, subscriptions: 2, seed: 8 });
const bodies = [...generated.estate.exportBodies()];
const vaultId = bodies.find((body) => String(body["type"]).endsWith("vaults"))?.["id"] as string;
const hsmId = bodies.find((body) => String(body["type"]).endsWith("managedHSMs"))?.["id"] as string;

describe("the ARM reader of one vault or Managed HSM, through the real arm-keyvault client", () => {
  let emulator: Emulator;
  let reader: KeyVaultResourceReader;

  beforeAll(async () => {
    emulator = await startEmulator({ estate: generated.estate });
    reader = createAzureReaders({ credential: emulator.credential, ...emulator.clientOptions() }).keyVault;
  });
  afterAll(async () => emulator.stop());
  beforeEach(() => {
    emulator.counters.reset();
    emulator.knobs.faults = [];
  });

  it("returns the ARM body exactly as sent, not the SDK's reshaped object", async () => {
    const result = await reader.read(vaultId);
    expect(result.state).toBe("found");
    const resource = (result as { resource: JsonObject }).resource;
    expect(resource).toEqual(generated.estate.getResource(vaultId));
    expect(typeof (resource["systemData"] as JsonObject)["lastModifiedAt"]).toBe("string");
  });

  it("reads a Managed HSM through its own operation, whatever the id's casing", async () => {
    const result = await reader.read(hsmId.replace("/resourceGroups/", "/resourcegroups/").replace("managedHSMs", "managedhsms"));
    expect(result.state).toBe("found");
    expect(emulator.counters.requests.armManagedHsm).toBe(1);
  });

  it("reports a deleted resource when ARM answers 404", async () => {
    const gone = vaultId.replace(/[^/]+$/, "kv-deleted-long-ago");
    expect(await reader.read(gone)).toEqual({ state: "deleted", id: gone });
  });

  it("classifies the HSM GET's 204 as a malformed response, not a crash", async () => {
    emulator.knobs.faults.push({ kinds: ["armManagedHsm"], status: 204, remaining: 1 });
    const result = await reader.read(hsmId);
    expect(result.state).toBe("malformed");
    expect((result as { reason: string }).reason).toMatch(/204/);
  });

  it("classifies a thin body that crashes the SDK as malformed", async () => {
    emulator.knobs.faults.push({ kinds: ["armVault"], status: 200, body: { id: vaultId, name: "thin" }, remaining: 1 });
    const result = await reader.read(vaultId);
    expect(result.state).toBe("malformed");
  });

  it("refuses a body that describes some other resource", async () => {
    const other = bodies.filter((body) => String(body["type"]).endsWith("vaults"))[1] as JsonObject;
    emulator.knobs.faults.push({ kinds: ["armVault"], status: 200, body: other, remaining: 1 });
    const result = await reader.read(vaultId);
    expect(result.state).toBe("malformed");
    expect((result as { reason: string }).reason).toContain(String(other["id"]));
  });

  it("reports 403 as forbidden and throws other failures with status, code and request id", async () => {
    emulator.knobs.faults.push({ kinds: ["armVault"], status: 403, remaining: 1 });
    expect((await reader.read(vaultId)).state).toBe("forbidden");
    emulator.knobs.faults.push({ kinds: ["armVault"], status: 500 });
    const failure = await reader.read(vaultId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AzureReadError);
    expect((failure as AzureReadError).statusCode).toBe(500);
    expect((failure as AzureReadError).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ["a query string", `${vaultId}?api-version=2015-01-01`],
    ["a path climb", `${vaultId}/../../../../providers/Microsoft.Authorization/roleAssignments`],
    ["an encoded slash", vaultId.replace(/vaults\/(.+)$/, "vaults/a%2Fb")],
    ["a child resource", `${vaultId}/privateEndpointConnections/pec`],
    ["another resource type", vaultId.replace("Microsoft.KeyVault/vaults", "Microsoft.Storage/storageAccounts")],
    ["an absolute URL", `https://evil.example${vaultId}`],
  ])("rejects %s before any request is sent", async (_, id) => {
    await expect(reader.read(id)).rejects.toThrow(RangeError);
    expect(emulator.counters.totalRequests()).toBe(0);
  });
});
