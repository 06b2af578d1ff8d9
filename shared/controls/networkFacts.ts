import type { PrivateEndpointConnection, Reading, ResourcePosture } from "../model/resource.js";
import { sameText } from "../model/resource.js";
import { known } from "../normalise/readValues.js";

/**
 * "Public access is off" in docs/controls.md: `Disabled`, or for vaults `SecuredByPerimeter`
 * (a network security perimeter then governs public traffic).
 */
export function publicAccessOff(resource: ResourcePosture): Reading<boolean> {
  const access = resource.publicNetworkAccess;
  if (!access.known) return access;
  return known(sameText(access.value, "Disabled") || (resource.kind === "vault" && securedByPerimeter(resource)));
}

export function securedByPerimeter(resource: ResourcePosture): boolean {
  const access = resource.publicNetworkAccess;
  return resource.kind === "vault" && access.known && sameText(access.value, "SecuredByPerimeter");
}

export function isApprovedAndProvisioned(connection: PrivateEndpointConnection): boolean {
  return sameText(connection.status, "Approved") && sameText(connection.provisioningState, "Succeeded");
}

/** Counts connections by their status (and failed provisioning) for evidence. */
export function countConnectionsByStatus(connections: readonly PrivateEndpointConnection[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const connection of connections) {
    const status = connection.status ?? "(none)";
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

export function describeConnection(connection: PrivateEndpointConnection): Record<string, string | undefined> {
  return {
    id: connection.id,
    privateEndpointId: connection.privateEndpointId,
    status: connection.status,
    provisioningState: connection.provisioningState,
  };
}

