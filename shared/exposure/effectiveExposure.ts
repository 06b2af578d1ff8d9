import { isApprovedAndProvisioned } from "../controls/networkFacts.js";
import { parseIpRule } from "../controls/ipRules.js";
import type { Exposure, ExposurePath } from "../model/exposure.js";
import { type PrivateEndpointConnection, type Reading, type ResourcePosture, type VirtualNetworkRule, sameText } from "../model/resource.js";
import { known } from "../normalise/readValues.js";

/** The facts exposure is computed from, every one of them read. */
interface ExposureFacts {
  readonly publicAccessOff: boolean;
  readonly defaultAction: string;
  readonly bypass: string;
  readonly ipRules: readonly (string | undefined)[];
  readonly virtualNetworkRules: readonly VirtualNetworkRule[];
  readonly privateEndpointConnections: readonly PrivateEndpointConnection[];
}

/**
 * Who can reach the data plane right now, as the widest class any admitting path falls in:
 * Internet (public, firewall allows all) > PublicRestricted (public, admitted by IP or subnet rules) >
 * TrustedServicesOnly (bypass) > PrivateOnly (approved private endpoints) > Perimeter (NSP governs public traffic)
 * > Unreachable. Every admitting path is listed, whatever the class.
 *
 * A property that could not be read makes the class `Unknown` only when it could change the class: the class is
 * worked out for every value the property could have had (each kind of value that matters), and when they all agree
 * that class stands, with the unreadable property named in `problem` (a vault open to all networks is `Internet`
 * whatever its malformed private endpoint list says).
 */
export function effectiveExposure(resource: ResourcePosture): Exposure {
  const unreadable: string[] = [];
  const alternatives = <T>(name: string, reading: Reading<T>, possible: readonly T[]): readonly T[] => {
    if (reading.known) return [reading.value];
    unreadable.push(`${name}: ${reading.problem}`);
    return possible;
  };
  const publicAccess = alternatives("publicNetworkAccess", resource.publicNetworkAccess, [
    "Enabled",
    "Disabled",
    ...(resource.kind === "vault" ? ["SecuredByPerimeter"] : []),
  ]);
  const defaultActions = alternatives("defaultAction", resource.defaultAction, ["Allow", "Deny"]);
  const bypasses = alternatives("bypass", resource.bypass, ["AzureServices", "None"]);
  const ipRules = alternatives("ipRules", resource.ipRules, [[], ["203.0.113.7"]]);
  const virtualNetworkRules = alternatives<readonly VirtualNetworkRule[]>("virtualNetworkRules", resource.virtualNetworkRules, [
    [],
    [{ subnetId: "/unreadable/subnet", ignoreMissingVnetServiceEndpoint: known(false) }],
  ]);
  const connections = alternatives<readonly PrivateEndpointConnection[]>("privateEndpointConnections", resource.privateEndpointConnections, [
    [],
    [{ id: undefined, privateEndpointId: undefined, status: "Approved", provisioningState: "Succeeded" }],
  ]);

  let first: Exposure | undefined;
  for (const access of publicAccess)
    for (const defaultAction of defaultActions)
      for (const bypass of bypasses)
        for (const rules of ipRules)
          for (const subnets of virtualNetworkRules)
            for (const privateEndpointConnections of connections) {
              const exposure = classify(resource, access, {
                publicAccessOff: sameText(access, "Disabled") || (resource.kind === "vault" && sameText(access, "SecuredByPerimeter")),
                defaultAction,
                bypass,
                ipRules: rules,
                virtualNetworkRules: subnets,
                privateEndpointConnections,
              });
              if (first === undefined) first = exposure;
              else if (first.class !== exposure.class) return { class: "Unknown", paths: [], problem: unreadable.join("; ") };
            }
  // The first alternative of each unreadable property is the one that admits least, so the paths listed are
  // those the readable properties prove.
  const exposure = first ?? { class: "Unknown", paths: [] };
  return unreadable.length === 0 ? exposure : { ...exposure, problem: unreadable.join("; ") };
}

function classify(resource: ResourcePosture, publicNetworkAccess: string, facts: ExposureFacts): Exposure {
  const publicPaths: ExposurePath[] = [];
  let allNetworks = false;
  if (!facts.publicAccessOff) {
    if (!sameText(facts.defaultAction, "Deny")) {
      allNetworks = true;
      publicPaths.push({ kind: "allNetworks" });
    } else {
      for (const value of facts.ipRules) {
        const rule = parseIpRule(value);
        // An invalid rule admits nobody (the service rejects it); VW-NET-005 reports it.
        if (rule.valid) publicPaths.push({ kind: "ipRule", value: value ?? "", addresses: rule.addresses });
      }
      // Managed HSM does not support service endpoints: its virtual network rules admit nobody.
      if (resource.kind === "vault") {
        for (const rule of facts.virtualNetworkRules) {
          if (rule.subnetId) publicPaths.push({ kind: "virtualNetworkRule", subnetId: rule.subnetId });
        }
      }
    }
  }
  const perimeter = resource.kind === "vault" && sameText(publicNetworkAccess, "SecuredByPerimeter");
  // A perimeter forbids the trusted-services bypass; otherwise trusted services pass even when public access is off.
  const trusted = !perimeter && !sameText(facts.bypass, "None");
  const privateEndpoints: ExposurePath[] = facts.privateEndpointConnections.filter(isApprovedAndProvisioned).map((connection) => ({
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
