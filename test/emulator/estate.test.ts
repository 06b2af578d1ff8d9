import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type JsonObject, exportEstate, generateEstate } from "../../emulator/index.js";

const bodies = (seed: number): JsonObject[] => [...generateEstate({ resources: 400, subscriptions: 5, seed }).estate.exportBodies()];
const properties = (body: JsonObject): JsonObject => body["properties"] as JsonObject;

describe("the estate generator", () => {
  it("gives the same estate for the same seed and a different one for another seed", () => {
    expect(bodies(3)).toEqual(bodies(3));
    expect(JSON.stringify(bodies(3))).not.toEqual(JSON.stringify(bodies(4)));
  });

  it("spreads N resources over M subscriptions, Managed HSMs included", () => {
    const generated = generateEstate({ resources: 400, subscriptions: 5, seed: 3 });
    const all = [...generated.estate.exportBodies()];
    expect(all).toHaveLength(400);
    expect(generated.vaults + generated.managedHsms).toBe(400);
    expect(generated.managedHsms).toBeGreaterThan(10);
    const perSubscription = new Map<string, number>();
    for (const body of all) {
      const subscription = String(body["id"]).split("/")[2] as string;
      perSubscription.set(subscription, (perSubscription.get(subscription) ?? 0) + 1);
    }
    expect([...perSubscription.values()]).toEqual([80, 80, 80, 80, 80]);
  });

  it("leaves never-set properties absent, as real GET bodies do, while always carrying tenant and SKU", () => {
    const all = bodies(3);
    expect(all.some((body) => !("networkAcls" in properties(body)))).toBe(true);
    expect(all.some((body) => !("enableSoftDelete" in properties(body)))).toBe(true);
    expect(all.some((body) => !("publicNetworkAccess" in properties(body)))).toBe(true);
    for (const body of all) {
      expect(typeof properties(body)["tenantId"]).toBe("string");
      expect(String(body["type"]).endsWith("vaults") ? properties(body)["sku"] : body["sku"]).toBeDefined();
    }
  });

  it("mixes postures from locked down to wide open, perimeter and odd casing included", () => {
    const access = new Set(bodies(3).map((body) => properties(body)["publicNetworkAccess"]));
    for (const value of ["Disabled", "Enabled", "SecuredByPerimeter", undefined]) expect(access.has(value)).toBe(true);
    expect([...access].some((value) => typeof value === "string" && value !== value[0]?.toUpperCase() + value.slice(1).toLowerCase() && value !== "SecuredByPerimeter")).toBe(true);
    const rules = bodies(3).flatMap((body) => ((properties(body)["networkAcls"] as JsonObject | undefined)?.["ipRules"] as { value: string }[] | undefined) ?? []);
    expect(rules.some((rule) => rule.value.startsWith("10.") || rule.value.startsWith("192.168.") || rule.value.startsWith("172.16."))).toBe(true);
    expect(rules.some((rule) => /\/(8|0)$/.test(rule.value))).toBe(true);
  });

  it("holds private endpoint connections in every state, each with its private endpoint", () => {
    const generated = generateEstate({ resources: 400, subscriptions: 5, seed: 3 });
    const connections = [...generated.estate.exportBodies()].flatMap(
      (body) => (properties(body)["privateEndpointConnections"] as JsonObject[] | undefined) ?? [],
    );
    const states = new Set(connections.map((connection) => ((connection["properties"] as JsonObject)["privateLinkServiceConnectionState"] as JsonObject)["status"]));
    expect(states).toEqual(new Set(["Approved", "Pending", "Rejected", "Disconnected"]));
    expect(connections.some((connection) => (connection["properties"] as JsonObject)["provisioningState"] === "Failed")).toBe(true);
    for (const connection of connections) {
      const endpointId = ((connection["properties"] as JsonObject)["privateEndpoint"] as JsonObject)["id"] as string;
      expect(generated.estate.getPrivateEndpoint(endpointId)).toBeDefined();
    }
  });

  it("attaches diagnostic settings of every useful shape, and forbids a few", () => {
    const all = bodies(3);
    const settings = all.flatMap((body) => (body["diagnosticSettings"] as JsonObject[] | undefined) ?? []);
    const logs = settings.flatMap((setting) => ((setting["properties"] as JsonObject)["logs"] as JsonObject[]) ?? []);
    expect(all.some((body) => Array.isArray(body["diagnosticSettings"]) && (body["diagnosticSettings"] as unknown[]).length === 0)).toBe(true);
    expect(logs.some((log) => log["category"] === "AuditEvent")).toBe(true);
    expect(logs.some((log) => log["categoryGroup"] === "allLogs")).toBe(true);
    expect(logs.some((log) => log["categoryGroup"] === "audit")).toBe(true);
    expect(settings.some((setting) => (setting["properties"] as JsonObject)["workspaceId"] === "")).toBe(true);
    expect(all.some((body) => typeof body["diagnosticSettingsError"] === "string")).toBe(true);
  });

  it("tags resources with valid, expired and malformed waivers", () => {
    const waivers = bodies(3).flatMap((body) =>
      Object.entries((body["tags"] as Record<string, string>) ?? {})
        .filter(([name]) => name.toLowerCase() === "vaultwatch-waiver")
        .map(([, value]) => value),
    );
    expect(waivers.some((value) => value.includes("2099-"))).toBe(true);
    expect(waivers.some((value) => value.includes("2021-06-30"))).toBe(true);
    expect(waivers.some((value) => !/^(VW-[A-Z]+-\d{3}:\d{4}-\d{2}-\d{2}[;,]?)+$/.test(value))).toBe(true);
  });
});

describe("the mutable estate", () => {
  const generated = () => generateEstate({ resources: 20, subscriptions: 2, seed: 9 });
  const lastModified = (estate: ReturnType<typeof generated>["estate"], id: string): string =>
    ((estate.getResource(id)?.["systemData"] as JsonObject)["lastModifiedAt"]) as string;

  it("moves lastModifiedAt forward on every change, even within one millisecond", () => {
    const { estate } = generated();
    const id = [...estate.exportBodies()].find((body) => String(body["type"]).endsWith("vaults"))?.["id"] as string;
    const seen = [lastModified(estate, id)];
    const connection = estate.addPrivateEndpointConnection(id, { status: "Pending" });
    seen.push(lastModified(estate, id));
    estate.setPrivateEndpointConnectionStatus(connection, "Approved");
    seen.push(lastModified(estate, id));
    estate.setDiagnosticSettings(id, []);
    seen.push(lastModified(estate, id));
    estate.removePrivateEndpointConnection(connection);
    seen.push(lastModified(estate, id));
    for (let index = 1; index < seen.length; index += 1) expect(Date.parse(seen[index] as string)).toBeGreaterThan(Date.parse(seen[index - 1] as string));
  });

  it("moves an approved connection into the private endpoint's automatic connections", () => {
    const { estate } = generated();
    const id = [...estate.exportBodies()][0]?.["id"] as string;
    const connection = estate.addPrivateEndpointConnection(id, { status: "Pending", name: "pe-new" });
    const endpointId = (((estate.listPrivateEndpointConnections(id) ?? []).find((item) => item["id"] === connection)?.["properties"] as JsonObject)["privateEndpoint"] as JsonObject)["id"] as string;
    const before = estate.getPrivateEndpoint(endpointId)?.["properties"] as JsonObject;
    expect((before["manualPrivateLinkServiceConnections"] as unknown[]).length).toBe(1);
    estate.setPrivateEndpointConnectionStatus(connection, "Approved");
    const after = estate.getPrivateEndpoint(endpointId)?.["properties"] as JsonObject;
    expect((after["manualPrivateLinkServiceConnections"] as unknown[]).length).toBe(0);
    expect(((after["privateLinkServiceConnections"] as JsonObject[])[0]?.["properties"] as JsonObject)["privateLinkServiceId"]).toBe(id);
  });

  it("refuses bodies the real service would never return", () => {
    const { estate } = generated();
    const subscription = estate.subscriptions()[0]?.subscriptionId as string;
    const id = `/subscriptions/${subscription}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-thin`;
    expect(() => estate.upsertResource({ id, properties: {} })).toThrow(/tenantId/);
    expect(() => estate.upsertResource({ id, properties: { tenantId: "t" } })).toThrow(/SKU/);
    expect(() => estate.upsertResource({ id: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s", properties: {} })).toThrow(/Not a vault/);
  });

  it("exports a JSON array of ARM bodies with their diagnostic settings", async () => {
    const { estate } = generated();
    const directory = await mkdtemp(join(tmpdir(), "vaultwatch-export-"));
    try {
      const path = join(directory, "estate.json");
      expect(await exportEstate(estate, path)).toBe(20);
      const parsed = JSON.parse(await readFile(path, "utf8")) as JsonObject[];
      expect(parsed).toEqual([...estate.exportBodies()]);
      expect(parsed.every((body) => Array.isArray(body["diagnosticSettings"]) || typeof body["diagnosticSettingsError"] === "string")).toBe(true);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
