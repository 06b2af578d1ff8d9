import type { Estate } from "../../emulator/estate.js";
import { DEMO_TENANT_ID, STORY_IDS } from "./storyResources.js";
import { type Caller, subscriptionEvent } from "./subscriptionEvent.js";

export interface StoryContext {
  readonly estate: Estate;
  readonly now: () => Date;
}

/** One scripted change: what happens in Azure, and the events Event Grid raises for it. */
export interface StoryStep {
  readonly title: string;
  /** `sweep` steps are noticed by the next sweep, not by an event (nothing in Azure changes when a waiver expires). */
  readonly delivery: "events" | "sweep";
  /** Moves the demo's clock forward before the step, in days. */
  readonly advanceDays?: number;
  apply(context: StoryContext): Record<string, unknown>[];
}

const ALICE: Caller = {
  userPrincipalName: "alice@contoso.com",
  objectId: "3f6d1c2a-9b7e-4d10-8c55-2e4a6b9d0f11",
  role: "Key Vault Contributor",
  principalType: "User",
  clientIp: "198.51.100.23",
};
const BOB: Caller = {
  userPrincipalName: "bob@contoso.com",
  objectId: "8a2c4e6f-1b3d-4f50-9e72-4c6a8e0b2d13",
  role: "Owner",
  principalType: "User",
  clientIp: "203.0.113.40",
};
const RELEASE_PIPELINE: Caller = {
  applicationId: "c0ffee00-5a1e-4b2d-8e9f-0123456789ab",
  objectId: "51e7c0d3-6f2a-4b8e-a1c9-7d3e5f0a2b14",
  role: "Contributor",
  principalType: "ServicePrincipal",
  clientIp: "20.50.2.7",
};
const CAROL: Caller = {
  userPrincipalName: "carol@contoso.com",
  objectId: "0d9b7f5e-3c1a-4e82-b6d4-9f1e3a5c7b15",
  role: "Owner",
  principalType: "User",
  clientIp: "203.0.113.41",
};

function properties(estate: Estate, id: string): Record<string, unknown> {
  const body = estate.getResource(id);
  if (!body) throw new Error(`the demo estate lacks ${id}`);
  return body;
}

export const STORY: readonly StoryStep[] = [
  {
    title: "alice opens kv-payments-prod to the internet",
    delivery: "events",
    apply: ({ estate, now }) => {
      const body = properties(estate, STORY_IDS.paymentsVault);
      const props = body.properties as Record<string, unknown>;
      props.publicNetworkAccess = "Enabled";
      props.networkAcls = { bypass: "AzureServices", defaultAction: "Allow", ipRules: [], virtualNetworkRules: [] };
      estate.upsertResource(body);
      return [
        subscriptionEvent({ kind: "Write", subject: STORY_IDS.paymentsVault, operationName: "Microsoft.KeyVault/vaults/write", caller: ALICE, time: now(), tenantId: DEMO_TENANT_ID }),
      ];
    },
  },
  {
    title: "a private endpoint to kv-identity-prod is requested and left pending",
    delivery: "events",
    apply: ({ estate, now }) => {
      const connectionId = estate.addPrivateEndpointConnection(STORY_IDS.identityVault, { status: "Pending", name: "pe-identity-app.c3d4" });
      const endpointId = privateEndpointOf(estate, STORY_IDS.identityVault, connectionId);
      return [
        subscriptionEvent({ kind: "Write", subject: endpointId, operationName: "Microsoft.Network/privateEndpoints/write", caller: RELEASE_PIPELINE, time: now(), tenantId: DEMO_TENANT_ID }),
      ];
    },
  },
  {
    title: "bob approves the pending private endpoint connection",
    delivery: "events",
    apply: ({ estate, now }) => {
      const connectionId = `${STORY_IDS.identityVault}/privateEndpointConnections/pe-identity-app.c3d4`;
      estate.setPrivateEndpointConnectionStatus(connectionId, "Approved");
      return [
        subscriptionEvent({
          kind: "Write",
          subject: connectionId,
          operationName: "Microsoft.KeyVault/vaults/privateEndpointConnections/write",
          caller: BOB,
          time: now(),
          tenantId: DEMO_TENANT_ID,
        }),
      ];
    },
  },
  {
    title: "a release pipeline removes the audit logs of kv-data-prod",
    delivery: "events",
    apply: ({ estate, now }) => {
      estate.removeDiagnosticSettings(STORY_IDS.dataVault);
      return [
        subscriptionEvent({
          kind: "Delete",
          subject: `${STORY_IDS.dataVault}/providers/Microsoft.Insights/diagnosticSettings/send-to-law`,
          operationName: "Microsoft.Insights/diagnosticSettings/delete",
          caller: RELEASE_PIPELINE,
          time: now(),
          tenantId: DEMO_TENANT_ID,
        }),
      ];
    },
  },
  {
    title: "carol deletes the Managed HSM hsm-legacy-01",
    delivery: "events",
    apply: ({ estate, now }) => {
      estate.deleteResource(STORY_IDS.legacyHsm);
      return [
        subscriptionEvent({ kind: "Delete", subject: STORY_IDS.legacyHsm, operationName: "Microsoft.KeyVault/managedHSMs/delete", caller: CAROL, time: now(), tenantId: DEMO_TENANT_ID }),
      ];
    },
  },
  {
    title: "five days pass: the RBAC waiver of kv-web-staging expires, and the next sweep notices",
    delivery: "sweep",
    advanceDays: 5,
    apply: () => [],
  },
];

function privateEndpointOf(estate: Estate, resourceId: string, connectionId: string): string {
  const connection = (estate.listPrivateEndpointConnections(resourceId) ?? []).find(
    (item) => String(item.id).toLowerCase() === connectionId.toLowerCase(),
  );
  const endpoint = ((connection?.properties as Record<string, unknown> | undefined)?.privateEndpoint as Record<string, unknown> | undefined)?.id;
  if (typeof endpoint !== "string") throw new Error(`no private endpoint for ${connectionId}`);
  return endpoint;
}

/** The waiver the story lets expire: valid at the first sweep, past its date after `advanceDays`. */
export function stagingWaiverTag(now: Date): string {
  const expires = new Date(now.getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
  return `VW-IAM-001:${expires}`;
}
