/**
 * The few resources the demo's story changes, written out in full so the story reads plainly. They live in the
 * bundled estate beside the generated ones (scripts/generate-demo-estate.ts puts them there).
 */

export const DEMO_TENANT_ID = "7a3e9c41-2b6d-4f80-9a15-0d4c8e2b7f10";
export const DEMO_SUBSCRIPTIONS = [
  "5d1f0a3e-8c2b-4f6a-9e1d-3b7c2a9f4e01",
  "5d1f0a3e-8c2b-4f6a-9e1d-3b7c2a9f4e02",
  "5d1f0a3e-8c2b-4f6a-9e1d-3b7c2a9f4e03",
] as const;

const [first, second, third] = DEMO_SUBSCRIPTIONS;
const WORKSPACE = `/subscriptions/${first}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-security`;

export const STORY_IDS = {
  paymentsVault: `/subscriptions/${first}/resourceGroups/rg-payments-prod/providers/Microsoft.KeyVault/vaults/kv-payments-prod`,
  identityVault: `/subscriptions/${second}/resourceGroups/rg-identity-prod/providers/Microsoft.KeyVault/vaults/kv-identity-prod`,
  dataVault: `/subscriptions/${third}/resourceGroups/rg-data-prod/providers/Microsoft.KeyVault/vaults/kv-data-prod`,
  legacyHsm: `/subscriptions/${first}/resourceGroups/rg-crypto-legacy/providers/Microsoft.KeyVault/managedHSMs/hsm-legacy-01`,
  stagingVault: `/subscriptions/${second}/resourceGroups/rg-web-staging/providers/Microsoft.KeyVault/vaults/kv-web-staging`,
} as const;

function auditToWorkspace(resourceId: string): Record<string, unknown> {
  return {
    id: `${resourceId}/providers/microsoft.insights/diagnosticSettings/send-to-law`,
    type: "Microsoft.Insights/diagnosticSettings",
    name: "send-to-law",
    properties: {
      workspaceId: WORKSPACE,
      logs: [{ categoryGroup: "audit", enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
      metrics: [{ category: "AllMetrics", enabled: true, retentionPolicy: { enabled: false, days: 0 } }],
    },
  };
}

function lockedDownVault(id: string, location: string, tags: Record<string, string>, withEndpoint: boolean): Record<string, unknown> {
  const name = id.split("/").at(-1) ?? "";
  const subscriptionId = id.split("/")[2] ?? "";
  return {
    id,
    name,
    type: "Microsoft.KeyVault/vaults",
    location,
    tags,
    properties: {
      tenantId: DEMO_TENANT_ID,
      sku: { family: "A", name: "premium" },
      accessPolicies: [],
      vaultUri: `https://${name}.vault.azure.net/`,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
      publicNetworkAccess: "Disabled",
      networkAcls: { bypass: "None", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] },
      privateEndpointConnections: withEndpoint
        ? [
            {
              id: `${id}/privateEndpointConnections/pe-${name}.b1d2`,
              etag: "",
              properties: {
                privateEndpoint: { id: `/subscriptions/${subscriptionId}/resourceGroups/rg-network/providers/Microsoft.Network/privateEndpoints/pe-${name}` },
                privateLinkServiceConnectionState: { status: "Approved", description: "Approved by the platform team", actionsRequired: "None" },
                provisioningState: "Succeeded",
              },
            },
          ]
        : [],
      provisioningState: "Succeeded",
    },
    diagnosticSettings: [auditToWorkspace(id)],
  };
}

/** The story's cast, as ARM GET bodies with their diagnostic settings attached. */
export function storyResources(): Record<string, unknown>[] {
  const stagingVault = lockedDownVault(STORY_IDS.stagingVault, "westeurope", { env: "staging", owner: "web" }, true);
  (stagingVault.properties as Record<string, unknown>).enableRbacAuthorization = false;
  return [
    lockedDownVault(STORY_IDS.paymentsVault, "westeurope", { env: "prod", owner: "payments" }, true),
    lockedDownVault(STORY_IDS.identityVault, "northeurope", { env: "prod", owner: "identity" }, false),
    lockedDownVault(STORY_IDS.dataVault, "eastus2", { env: "prod", owner: "data" }, true),
    stagingVault,
    {
      id: STORY_IDS.legacyHsm,
      name: "hsm-legacy-01",
      type: "Microsoft.KeyVault/managedHSMs",
      location: "westeurope",
      tags: { env: "prod", owner: "crypto", decommission: "2026-Q4" },
      sku: { family: "B", name: "Standard_B1" },
      properties: {
        tenantId: DEMO_TENANT_ID,
        initialAdminObjectIds: ["0a1b2c3d-0000-4000-8000-000000000001"],
        hsmUri: "https://hsm-legacy-01.managedhsm.azure.net/",
        enableSoftDelete: true,
        softDeleteRetentionInDays: 28,
        enablePurgeProtection: false,
        publicNetworkAccess: "Enabled",
        networkAcls: { bypass: "AzureServices", defaultAction: "Allow" },
        securityDomainProperties: { activationStatus: "Active", activationStatusMessage: "Your HSM has been activated" },
        provisioningState: "Succeeded",
      },
      diagnosticSettings: [],
    },
  ];
}
