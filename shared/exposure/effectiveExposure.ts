import { isApprovedAndProvisioned, publicAccessOff, securedByPerimeter } from "../controls/networkFacts.js";
import { parseIpRule } from "../controls/ipRules.js";
import type { Exposure, ExposurePath } from "../model/exposure.js";
import { type Reading, type ResourcePosture, sameText } from "../model/resource.js";

/**
 * Who can reach the data plane right now, as the widest class any admitting path falls in:
 * Internet (public, firewall allows all) > PublicRestricted (public, admitted by IP or subnet rules) >
 * TrustedServicesOnly (bypass) > PrivateOnly (approved private endpoints) > Perimeter (NSP governs public traffic)
 * > Unreachable. Every admitting path is listed, whatever the class.
 */
export function effectiveExposure(resource: ResourcePosture): Exposure {
  const off = publicAccessOff(resource);
  const { defaultAction, bypass, ipRules, virtualNetworkRules, privateEndpointConnections } = resource;
  const needed: [string, Reading<unknown>][] = [
    ["publicNetworkAccess", off],
    ["defaultAction", defaultAction],
    ["bypass", bypass],
    ["ipRules", ipRules],
    ["virtualNetworkRules", virtualNetworkRules],
    ["privateEndpointConnections", privateEndpointConnections],
  ];
  for (const [name, reading] of needed) {
    if (!reading.known) return { class: "Unknown", paths: [], problem: `${name}: ${reading.problem}` };
  }
  if (!off.known || !defaultAction.known || !bypass.known || !ipRules.known || !virtualNetworkRules.known || !privateEndpointConnections.known) {
    return { class: "Unknown", paths: [] }; // unreachable: narrows the types for the compiler
  }

  const publicPaths: ExposurePath[] = [];
  let allNetworks = false;
  if (!off.value) {
    if (!sameText(defaultAction.value, "Deny")) {
      allNetworks = true;
      publicPaths.push({ kind: "allNetworks" });
    } else {
      for (const value of ipRules.value) {
        const rule = parseIpRule(value);
        // An invalid rule admits nobody (the service rejects it); VW-NET-005 reports it.
        if (rule.valid) publicPaths.push({ kind: "ipRule", value: value ?? "", addresses: rule.addresses });
      }
      // Managed HSM does not support service endpoints: its virtual network rules admit nobody.
      if (resource.kind === "vault") {
        for (const rule of virtualNetworkRules.value) {
          if (rule.subnetId) publicPaths.push({ kind: "virtualNetworkRule", subnetId: rule.subnetId });
        }
      }
    }
  }
  const perimeter = securedByPerimeter(resource);
  // A perimeter forbids the trusted-services bypass; otherwise trusted services pass even when public access is off.
  const trusted = !perimeter && !sameText(bypass.value, "None");
  const privateEndpoints: ExposurePath[] = privateEndpointConnections.value.filter(isApprovedAndProvisioned).map((connection) => ({
    kind: "privateEndpoint",
    privateEndpointId: connection.privateEndpointId ?? "",
    connectionId: connection.id ?? "",
  }));

  const paths: ExposurePath[] = [
    ...publicPaths,
    ...(trusted ? [{ kind: "trustedServices" } as const] : []),
    ...privateEndpoints,
    ...(perimeter ? [{ kind: "networkSecurityPerimeter" } as const] : []),
  ];
  if (allNetworks) return { class: "Internet", paths };
  if (publicPaths.length > 0) return { class: "PublicRestricted", paths };
  if (trusted) return { class: "TrustedServicesOnly", paths };
  if (privateEndpoints.length > 0) return { class: "PrivateOnly", paths };
  if (perimeter) return { class: "Perimeter", paths };
  return { class: "Unreachable", paths };
}

/** The admitting paths in a few words, for reports: "all networks; trusted Azure services", "IP 8.8.8.0/24 (256 addresses)". */
export function describeExposurePaths(exposure: Exposure): string {
  if (exposure.class === "Unknown") return `unknown${exposure.problem ? ` (${exposure.problem})` : ""}`;
  if (exposure.paths.length === 0) return "nothing";
  return exposure.paths
    .map((path) => {
      switch (path.kind) {
        case "allNetworks":
          return "all networks";
        case "ipRule":
          return `IP ${path.value}${path.addresses === undefined ? "" : ` (${path.addresses === 1 ? "1 address" : `${path.addresses.toLocaleString("en-US")} addresses`})`}`;
        case "virtualNetworkRule":
          return `subnet ${path.subnetId.split("/").slice(-3).join("/")}`;
        case "trustedServices":
          return "trusted Azure services";
        case "privateEndpoint":
          return `private endpoint ${path.privateEndpointId.split("/").at(-1) ?? path.privateEndpointId}`;
        case "networkSecurityPerimeter":
          return "network security perimeter";
      }
    })
    .join("; ");
}
