import type { Emulator } from "../../../emulator/index.js";
import { type RawEvent, referenceEvent, referenceEvents } from "../../fixtures/events.js";

export { type RawEvent, referenceEvent, referenceEvents };

/** The subscription, vault, HSM and private endpoint the reference events name. */
export const REFERENCE = {
  subscriptionId: "11111111-1111-1111-1111-111111111111",
  vaultId: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-prod-01",
  hsmId: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-sec/providers/Microsoft.KeyVault/managedHSMs/mhsm-prod-01",
  privateEndpointId: "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-kv-prod-01",
} as const;

/**
 * Puts the resources the reference events name into the emulator, so their re-reads find them. The vault starts as
 * the Resource Notifications sample shows it (locked down); the HSM carries the top-level SKU ARM always sends.
 */
export function seedReferenceEstate(emulator: Emulator): void {
  const estate = emulator.estate;
  if (!estate.hasSubscription(REFERENCE.subscriptionId)) {
    const managementGroupId = estate.managementGroups()[0]?.id;
    if (managementGroupId === undefined) throw new Error("the emulator estate has no management group");
    estate.addSubscription({ subscriptionId: REFERENCE.subscriptionId, displayName: "reference", tenantId: "22222222-2222-2222-2222-222222222222", managementGroupId });
  }
  const vault = referenceEvent("kv-arn-Resources-CreatedOrUpdated.constructed.eventgrid.json").data["resourceInfo"] as Record<string, unknown>;
  estate.upsertResource(vault);
  const hsm = referenceEvent("mhsm-arn-Resources-CreatedOrUpdated.constructed.cloudevent.json").data["resourceInfo"] as Record<string, unknown>;
  estate.upsertResource({ ...hsm, sku: { family: "B", name: "Standard_B1" } });
  estate.upsertPrivateEndpoint({
    id: REFERENCE.privateEndpointId,
    name: "pe-kv-prod-01",
    type: "Microsoft.Network/privateEndpoints",
    location: "westeurope",
    properties: {
      provisioningState: "Succeeded",
      privateLinkServiceConnections: [
        {
          name: "pe-kv-prod-01.0f2a",
          properties: { privateLinkServiceId: REFERENCE.vaultId, groupIds: ["vault"], privateLinkServiceConnectionState: { status: "Approved" } },
        },
      ],
      manualPrivateLinkServiceConnections: [],
    },
  });
}
