import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INFRA_DIR } from "./bicepSource.js";
import { MAX_ADVANCED_FILTERS, MAX_ADVANCED_FILTER_VALUES, deliveredBy, type EventSubscriptionFilter, type GridEvent } from "./eventGridFilter.js";

function filterFile(name: string): EventSubscriptionFilter {
  return JSON.parse(readFileSync(join(INFRA_DIR, "events", name), "utf8")) as EventSubscriptionFilter;
}

const SUBSCRIPTION = "11111111-1111-1111-1111-111111111111";
const RESOURCE_GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-sec`;
const VAULT = `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/kv-prod-01`;
const HSM = `${RESOURCE_GROUP}/providers/Microsoft.KeyVault/managedHSMs/mhsm-prod-01`;
const STORAGE = `${RESOURCE_GROUP}/providers/Microsoft.Storage/storageAccounts/stprod01`;

/** A Microsoft.Resources.* event for an operation on `subject`, shaped as the subscription topic raises it. */
function resourceEvent(eventType: string, subject: string, operationName: string): GridEvent {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    eventType,
    subject,
    topic: `/subscriptions/${SUBSCRIPTION}`,
    dataVersion: "2",
    data: { operationName, resourceUri: subject, status: "Succeeded", subscriptionId: SUBSCRIPTION },
  };
}

/** A Microsoft.ResourceNotifications.Resources.* event, which carries the resource's id, name and type. */
function notificationEvent(eventType: string, id: string, type: string): GridEvent {
  return {
    id: "00000000-0000-4000-8000-000000000002",
    eventType,
    subject: id,
    topic: `/subscriptions/${SUBSCRIPTION}`,
    data: { resourceInfo: { id, name: id.split("/").at(-1), type }, operationalInfo: { resourceEventTime: "2026-01-01T00:00:00Z" } },
  };
}

const WRITE = "Microsoft.Resources.ResourceWriteSuccess";
const DELETE = "Microsoft.Resources.ResourceDeleteSuccess";
const ACTION = "Microsoft.Resources.ResourceActionSuccess";
const CREATED_OR_UPDATED = "Microsoft.ResourceNotifications.Resources.CreatedOrUpdated";
const DELETED = "Microsoft.ResourceNotifications.Resources.Deleted";

const subscriptionFilter = filterFile("subscription-events.filter.json");
const notificationsFilter = filterFile("resource-notifications.filter.json");

describe("the Azure subscription events filter (Microsoft.Resources.*)", () => {
  it.each([
    ["a vault update", WRITE, VAULT, "Microsoft.KeyVault/vaults/write"],
    ["a vault deletion", DELETE, VAULT, "Microsoft.KeyVault/vaults/delete"],
    ["a private endpoint connection approval on a vault", WRITE, `${VAULT}/privateEndpointConnections/pe-kv.0f2a`, "Microsoft.KeyVault/vaults/privateEndpointConnections/write"],
    ["a private endpoint connection removed from a vault", DELETE, `${VAULT}/privateEndpointConnections/pe-kv.0f2a`, "Microsoft.KeyVault/vaults/privateEndpointConnections/delete"],
    ["a diagnostic setting written on a vault", WRITE, `${VAULT}/providers/Microsoft.Insights/diagnosticSettings/send-to-law`, "Microsoft.Insights/diagnosticSettings/write"],
    ["a Managed HSM update", WRITE, HSM, "Microsoft.KeyVault/managedHSMs/write"],
    ["a Managed HSM deletion", DELETE, HSM, "Microsoft.KeyVault/managedHSMs/delete"],
    ["a Managed HSM private endpoint connection change", WRITE, `${HSM}/privateEndpointConnections/pec`, "Microsoft.KeyVault/managedHSMs/privateEndpointConnections/write"],
    ["a diagnostic setting removed from a Managed HSM", DELETE, `${HSM}/providers/Microsoft.Insights/diagnosticSettings/audit`, "Microsoft.Insights/diagnosticSettings/delete"],
    ["a private endpoint created", WRITE, `${RESOURCE_GROUP}/providers/Microsoft.Network/privateEndpoints/pe-kv`, "Microsoft.Network/privateEndpoints/write"],
    ["a private endpoint deleted", DELETE, `${RESOURCE_GROUP}/providers/Microsoft.Network/privateEndpoints/pe-kv`, "Microsoft.Network/privateEndpoints/delete"],
  ] as const)("delivers %s", (_what, eventType, subject, operation) => {
    expect(deliveredBy(subscriptionFilter, resourceEvent(eventType, subject, operation))).toBe(true);
  });

  it("matches whatever casing the caller used in the resource id and operation", () => {
    const event = resourceEvent(WRITE, VAULT.toLowerCase().replace("keyvault", "KEYVAULT"), "MICROSOFT.KEYVAULT/VAULTS/WRITE");
    expect(deliveredBy(subscriptionFilter, event)).toBe(true);
  });

  it.each([
    ["a storage account write", WRITE, STORAGE, "Microsoft.Storage/storageAccounts/write"],
    ["a storage account delete", DELETE, STORAGE, "Microsoft.Storage/storageAccounts/delete"],
    ["a listKeys action", ACTION, `${STORAGE}`, "Microsoft.Storage/storageAccounts/listKeys/action"],
    ["a purge of a deleted vault (nothing left to evaluate)", ACTION, `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-old/purge`, "Microsoft.KeyVault/locations/deletedVaults/purge/action"],
    ["a diagnostic setting on a storage account", WRITE, `${STORAGE}/providers/Microsoft.Insights/diagnosticSettings/x`, "Microsoft.Insights/diagnosticSettings/write"],
    ["a secret written through ARM", WRITE, `${VAULT}/secrets/s1`, "Microsoft.KeyVault/vaults/secrets/write"],
    ["an access policy change", WRITE, `${VAULT}/accessPolicies/add`, "Microsoft.KeyVault/vaults/accessPolicies/write"],
    ["a failed vault write", "Microsoft.Resources.ResourceWriteFailure", VAULT, "Microsoft.KeyVault/vaults/write"],
  ] as const)("ignores %s", (_what, eventType, subject, operation) => {
    expect(deliveredBy(subscriptionFilter, resourceEvent(eventType, subject, operation))).toBe(false);
  });
});

describe("the Azure Resource Notifications filter (Microsoft.ResourceNotifications.Resources.*)", () => {
  it.each([
    ["a vault created or updated", CREATED_OR_UPDATED, VAULT, "Microsoft.KeyVault/vaults"],
    ["a vault deleted", DELETED, VAULT, "Microsoft.KeyVault/vaults"],
    ["a Managed HSM created or updated", CREATED_OR_UPDATED, HSM, "Microsoft.KeyVault/managedHSMs"],
    ["a private endpoint deleted", DELETED, `${RESOURCE_GROUP}/providers/Microsoft.Network/privateEndpoints/pe-kv`, "Microsoft.Network/privateEndpoints"],
    ["a type in Resource Graph's lower case", CREATED_OR_UPDATED, VAULT, "microsoft.keyvault/vaults"],
  ] as const)("delivers %s", (_what, eventType, id, type) => {
    expect(deliveredBy(notificationsFilter, notificationEvent(eventType, id, type))).toBe(true);
  });

  it.each([
    ["a storage account created or updated", CREATED_OR_UPDATED, STORAGE, "Microsoft.Storage/storageAccounts"],
    ["a storage account deleted", DELETED, STORAGE, "Microsoft.Storage/storageAccounts"],
    ["a vault write from the other topic type", WRITE, VAULT, "Microsoft.KeyVault/vaults"],
  ] as const)("ignores %s", (_what, eventType, id, type) => {
    expect(deliveredBy(notificationsFilter, notificationEvent(eventType, id, type))).toBe(false);
  });
});

describe("both filters", () => {
  it.each([
    ["subscription-events", subscriptionFilter],
    ["resource-notifications", notificationsFilter],
  ] as const)("%s stays within Event Grid's limits of 25 advanced filters and 25 values", (_name, filter) => {
    expect(filter.advancedFilters.length).toBeLessThanOrEqual(MAX_ADVANCED_FILTERS);
    const values = filter.advancedFilters.reduce((total, advanced) => total + advanced.values.length, 0);
    expect(values).toBeLessThanOrEqual(MAX_ADVANCED_FILTER_VALUES);
  });

  it("the evaluator refuses an operator it does not model, rather than guessing", () => {
    const filter: EventSubscriptionFilter = { includedEventTypes: ["x"], advancedFilters: [{ operatorType: "NumberIn", key: "data.n", values: ["1"] }] };
    expect(() => deliveredBy(filter, { eventType: "x", data: { n: 1 } })).toThrow(/NumberIn/);
  });
});
