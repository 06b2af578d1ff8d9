import { describe, expect, it } from "vitest";
import { postureOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  EXAMPLE_VAULT_ID,
  asFlattenedSdkObject,
  asResourceGraphRow,
  asResourceNotification,
  exampleManagedHsm,
  exampleVault,
  hardenedVault,
  patched,
  privateEndpointConnection,
  withDiagnosticSettings,
  withNetworkAcls,
  withProperties,
} from "../../test/fixtures/resources.js";
import type { Reading, ResourcePosture } from "../model/resource.js";
import { normaliseResource } from "./normaliseResource.js";

type ReadingKey = {
  [K in keyof ResourcePosture]: ResourcePosture[K] extends Reading<unknown> ? K : never;
}[keyof ResourcePosture];

const known = (value: unknown, defaulted: boolean) => ({ known: true, value, defaulted });

describe("normalising a resource", () => {
  describe("identity", () => {
    it("reads an ARM GET body: id as given, kind, name, subscription, resource group from the id, location and tags", () => {
      const posture = postureOf(exampleManagedHsm());
      expect(posture).toMatchObject({
        id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hsm-group/providers/Microsoft.KeyVault/managedHSMs/hsm1",
        kind: "managedHsm",
        name: "hsm1",
        subscriptionId: "00000000-0000-0000-0000-000000000000",
        resourceGroup: "hsm-group",
        location: "westus",
        tags: { Dept: "hsm", Environment: "dogfood" },
      });
    });

    it("reads a Resource Graph row, whose type is lower-cased and whose resourceGroup column is lower-cased", () => {
      const row = asResourceGraphRow(patched(exampleVault(), { id: EXAMPLE_VAULT_ID.replace("sample-resource-group", "Sample-RG") }));
      expect(row.type).toBe("microsoft.keyvault/vaults");
      const posture = postureOf(row);
      expect(posture.kind).toBe("vault");
      expect(posture.resourceGroup).toBe("sample-rg");
    });

    it.each(["Microsoft.KeyVault/vaults", "microsoft.keyvault/vaults", "MICROSOFT.KEYVAULT/VAULTS"])("recognises the type %s", (type) => {
      expect(postureOf(patched(exampleVault(), { type })).kind).toBe("vault");
    });

    it.each(["Microsoft.KeyVault/managedHSMs", "microsoft.keyvault/managedhsms"])("recognises the type %s", (type) => {
      expect(postureOf(patched(exampleManagedHsm(), { type })).kind).toBe("managedHsm");
    });

    it("derives the name from the id when the input has none", () => {
      expect(postureOf(patched(exampleVault(), { name: ABSENT })).name).toBe("sample-vault");
    });

    it("unwraps a Resource Notifications payload's resourceInfo", () => {
      const posture = postureOf(asResourceNotification(hardenedVault()));
      expect(posture.id).toBe(EXAMPLE_VAULT_ID);
      expect(posture.enablePurgeProtection).toEqual(known(true, false));
      expect(posture.enableSoftDelete).toEqual(known(true, false));
    });

    it("survives hostile ids without throwing", () => {
      for (const id of ["/", "not-an-arm-id", "/subscriptions/", "//providers//", "/subscriptions/../resourceGroups/%2e%2e/x", "x".repeat(10_000)]) {
        const result = normaliseResource(patched(exampleVault(), { id, name: ABSENT }));
        expect(result.ok).toBe(true);
      }
    });

    it("keeps string tags and stringifies numbers and booleans", () => {
      const posture = postureOf(patched(exampleVault(), { tags: { owner: "sec", cost: 12, critical: true, nested: { a: 1 } } }));
      expect(posture.tags).toEqual({ owner: "sec", cost: "12", critical: "true" });
    });
  });

  describe("refuses what is not a resource, with a specific error", () => {
    it.each([
      ["a string", "vault"],
      ["an array", [exampleVault()]],
      ["null", null],
      ["a number", 5],
    ])("rejects %s as not a JSON object", (_label, input) => {
      expect(normaliseResource(input)).toEqual({ ok: false, skipped: false, error: "item is not a JSON object" });
    });

    it.each([
      ["missing", ABSENT],
      ["empty", ""],
      ["not a string", 42],
    ])("rejects a resource whose id is %s", (_label, id) => {
      expect(normaliseResource(patched(exampleVault(), { id }))).toEqual({ ok: false, skipped: false, error: "resource has no id" });
    });

    it("rejects a resource without a type, naming its id", () => {
      expect(normaliseResource(patched(exampleVault(), { type: ABSENT }))).toEqual({
        ok: false,
        skipped: false,
        error: `resource ${EXAMPLE_VAULT_ID} has no type`,
      });
    });

    it("skips a well-formed resource of another type, saying which", () => {
      expect(normaliseResource(patched(exampleVault(), { type: "Microsoft.KeyVault/vaults/secrets" }))).toEqual({
        ok: false,
        skipped: true,
        type: "Microsoft.KeyVault/vaults/secrets",
      });
    });
  });

  describe("applies the service defaults to absent properties (missing, null or empty)", () => {
    const DEFAULTS: [property: string, reading: ReadingKey, value: unknown][] = [
      ["publicNetworkAccess", "publicNetworkAccess", "Enabled"],
      ["enablePurgeProtection", "enablePurgeProtection", false],
      ["enableSoftDelete", "enableSoftDelete", false],
      ["softDeleteRetentionInDays", "softDeleteRetentionInDays", 90],
      ["enableRbacAuthorization", "enableRbacAuthorization", false],
      ["privateEndpointConnections", "privateEndpointConnections", []],
    ];
    for (const [property, reading, value] of DEFAULTS) {
      it.each([
        ["missing", ABSENT],
        ["null", null],
        ["empty", ""],
      ])(`reads ${property} %s as ${JSON.stringify(value)}`, (_label, absent) => {
        expect(postureOf(withProperties(hardenedVault(), { [property]: absent }))[reading]).toEqual(known(value, true));
      });
    }

    it.each([
      ["missing", ABSENT],
      ["null", null],
      ["empty", {}],
    ])("reads networkAcls %s as allow from all networks, trusted services bypassing, no rules", (_label, absent) => {
      const posture = postureOf(withProperties(hardenedVault(), { networkAcls: absent }));
      expect(posture.defaultAction).toEqual(known("Allow", true));
      expect(posture.bypass).toEqual(known("AzureServices", true));
      expect(posture.ipRules).toEqual(known([], true));
      expect(posture.virtualNetworkRules).toEqual(known([], true));
    });

    it.each([
      ["missing", ABSENT],
      ["null", null],
      ["empty", ""],
    ])("reads bypass %s as AzureServices and defaultAction %s as Allow", (_label, absent) => {
      const posture = postureOf(withNetworkAcls(hardenedVault(), { bypass: absent, defaultAction: absent }));
      expect(posture.bypass).toEqual(known("AzureServices", true));
      expect(posture.defaultAction).toEqual(known("Allow", true));
    });

    it("reads a missing properties object as all defaults", () => {
      const posture = postureOf(patched(exampleVault(), { properties: ABSENT }));
      expect(posture.publicNetworkAccess).toEqual(known("Enabled", true));
      expect(posture.problems).toEqual([]);
    });

    it("keeps values that are present, casing included", () => {
      const posture = postureOf(withProperties(hardenedVault(), { publicNetworkAccess: "disabled", softDeleteRetentionInDays: 7 }));
      expect(posture.publicNetworkAccess).toEqual(known("disabled", false));
      expect(posture.softDeleteRetentionInDays).toEqual(known(7, false));
    });
  });

  describe("booleans", () => {
    it.each([
      [true, true],
      [false, false],
      ["true", true],
      ["false", false],
      ["TRUE", true],
      [1, true],
      [0, false],
    ])("reads %j as %s", (input, value) => {
      expect(postureOf(withProperties(hardenedVault(), { enableRbacAuthorization: input })).enableRbacAuthorization).toEqual(
        known(value, false),
      );
    });

    it.each([2, -1, "yes", "enabled", [true], { value: true }])("cannot read %j, and says which property", (input) => {
      const posture = postureOf(withProperties(hardenedVault(), { enableRbacAuthorization: input }));
      expect(posture.enableRbacAuthorization.known).toBe(false);
      expect(posture.problems.join(" ")).toContain("properties.enableRbacAuthorization");
    });
  });

  describe("unreadable properties", () => {
    it("marks a property of the wrong type unreadable and lists the problem", () => {
      const posture = postureOf(withProperties(hardenedVault(), { publicNetworkAccess: 0 }));
      expect(posture.publicNetworkAccess).toMatchObject({ known: false });
      expect(posture.problems).toHaveLength(1);
      expect(posture.problems[0]).toContain("properties.publicNetworkAccess");
    });

    it("marks every property unreadable when properties is not an object", () => {
      const posture = postureOf(patched(exampleVault(), { properties: ["not", "an", "object"] }));
      expect(posture.publicNetworkAccess.known).toBe(false);
      expect(posture.enableSoftDelete.known).toBe(false);
      expect(posture.problems).toEqual(["properties should be an object, found an array"]);
    });

    it("marks the network ACL readings unreadable when networkAcls is not an object", () => {
      const posture = postureOf(withProperties(hardenedVault(), { networkAcls: "Deny" }));
      expect(posture.defaultAction.known).toBe(false);
      expect(posture.ipRules.known).toBe(false);
      expect(posture.publicNetworkAccess.known).toBe(true);
    });
  });

  describe("private endpoint connections", () => {
    const expected = {
      id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sample-group/providers/Microsoft.KeyVault/vaults/sample-vault/privateEndpointConnections/sample-pec",
      privateEndpointId:
        "/subscriptions/00000000-0000-0000-1234-000000000000/resourceGroups/sample-group/providers/Microsoft.Network/privateEndpoints/sample-pe",
      status: "Approved",
      provisioningState: "Succeeded",
    };

    it("reads a connection nested under properties (ARM, Resource Graph)", () => {
      expect(postureOf(hardenedVault()).privateEndpointConnections).toEqual(known([expected], false));
    });

    it("reads the same connection flattened onto the item (SDKs, az)", () => {
      expect(postureOf(asFlattenedSdkObject(hardenedVault())).privateEndpointConnections).toEqual(known([expected], false));
    });

    it("reads a connection without a state as having none, rather than dropping it", () => {
      const posture = postureOf(withProperties(hardenedVault(), { privateEndpointConnections: [{ id: "pec" }, privateEndpointConnection()] }));
      const connections = posture.privateEndpointConnections;
      expect(connections.known && connections.value).toHaveLength(2);
      expect(connections.known && connections.value[0]).toEqual({ id: "pec", privateEndpointId: undefined, status: undefined, provisioningState: undefined });
    });
  });

  describe("diagnostic settings", () => {
    it("are not supplied unless the input carries them", () => {
      expect(postureOf(exampleVault()).diagnosticSettings).toEqual({ state: "notSupplied" });
      expect(postureOf(withDiagnosticSettings(exampleVault(), null)).diagnosticSettings).toEqual({ state: "notSupplied" });
    });

    it("are read from a list or from an ARM { value } list", () => {
      expect(postureOf(withDiagnosticSettings(exampleVault(), [])).diagnosticSettings).toEqual({ state: "supplied", settings: [] });
      expect(postureOf(withDiagnosticSettings(exampleVault(), { value: [] })).diagnosticSettings).toEqual({ state: "supplied", settings: [] });
    });

    it("read the destinations and log entries of a setting, nested or flattened alike", () => {
      const nested = postureOf(hardenedVault()).diagnosticSettings;
      const flattened = postureOf(asFlattenedSdkObject(hardenedVault())).diagnosticSettings;
      expect(nested).toEqual(flattened);
      expect(nested).toMatchObject({
        state: "supplied",
        settings: [{ name: "send-audit", logs: [{ categoryGroup: "audit", enabled: known(true, false) }] }],
      });
    });

    it("read an empty workspaceId as no workspace", () => {
      const posture = postureOf(withDiagnosticSettings(exampleVault(), [{ properties: { workspaceId: "", logs: [] } }]));
      expect(posture.diagnosticSettings).toMatchObject({ state: "supplied", settings: [{ workspaceId: undefined }] });
    });

    it("are unreadable when they are not a list, or when the input says why they could not be read", () => {
      expect(postureOf(withDiagnosticSettings(exampleVault(), "none")).diagnosticSettings).toMatchObject({ state: "unreadable" });
      expect(postureOf(patched(exampleVault(), { diagnosticSettingsError: "403 Forbidden" })).diagnosticSettings).toEqual({
        state: "unreadable",
        reason: "403 Forbidden",
      });
    });
  });
});

describe("normaliseResource reads a whole Resource Notifications event", () => {
  it("evaluates the resource an Event Grid or CloudEvents envelope carries in data.resourceInfo", async () => {
    const { readFileSync } = await import("node:fs");
    for (const file of [
      "kv-arn-Resources-CreatedOrUpdated-intbooleans.constructed.eventgrid.json",
      "mhsm-arn-Resources-CreatedOrUpdated.constructed.cloudevent.json",
    ]) {
      const parsed = JSON.parse(readFileSync(new URL(`../../test/fixtures/events/${file}`, import.meta.url), "utf8")) as unknown;
      const event = Array.isArray(parsed) ? parsed[0] : parsed;
      const result = normaliseResource(event);
      expect(result.ok, file).toBe(true);
      if (result.ok) expect(result.resource.id).toBe((event as { data: { resourceInfo: { id: string } } }).data.resourceInfo.id);
    }
  });
});
