import { describe, expect, it } from "vitest";
import { postureOf } from "../../test/fixtures/evaluation.js";
import {
  exampleManagedHsm,
  exampleVault,
  firewalledManagedHsm,
  firewalledVault,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  ipRules,
  privateEndpointConnection,
  virtualNetworkRule,
  withNetworkAcls,
  withProperties,
} from "../../test/fixtures/resources.js";
import type { ArmObject } from "../../test/fixtures/resources.js";
import { describeExposurePaths, effectiveExposure } from "./effectiveExposure.js";

function exposureOf(raw: ArmObject) {
  return effectiveExposure(postureOf(raw));
}

/** Public access on, Deny, no rules, no bypass, no private endpoint: nothing admits traffic yet. */
function closedPublicVault(patch: Record<string, unknown> = {}) {
  return withProperties(
    withNetworkAcls(firewalledVault(), { bypass: "None", ipRules: [], virtualNetworkRules: [], ...patch }),
    { privateEndpointConnections: [] },
  );
}

describe("effective network exposure", () => {
  it("is Internet when public access is on and the firewall allows by default, listing every admitting path", () => {
    const exposure = exposureOf(exampleVault());
    expect(exposure.class).toBe("Internet");
    expect(exposure.paths).toEqual([{ kind: "allNetworks" }, { kind: "trustedServices" }]);
    expect(exposureOf(exampleManagedHsm()).class).toBe("Internet");
  });

  it("is Internet for a Managed HSM that says SecuredByPerimeter, because that value does not close an HSM", () => {
    expect(exposureOf(withProperties(exampleManagedHsm(), { publicNetworkAccess: "SecuredByPerimeter" })).class).toBe("Internet");
  });

  it("is PublicRestricted when IP rules admit public ranges behind a Deny firewall", () => {
    const exposure = exposureOf(closedPublicVault({ ipRules: ipRules("124.56.78.91", "52.10.0.0/24") }));
    expect(exposure.class).toBe("PublicRestricted");
    expect(exposure.paths).toEqual([
      { kind: "ipRule", value: "124.56.78.91", addresses: 1 },
      { kind: "ipRule", value: "52.10.0.0/24", addresses: 256 },
    ]);
  });

  it("is PublicRestricted when only a virtual network rule admits traffic to a vault", () => {
    const exposure = exposureOf(closedPublicVault({ virtualNetworkRules: [virtualNetworkRule(false)] }));
    expect(exposure.class).toBe("PublicRestricted");
    expect(exposure.paths).toEqual([
      { kind: "virtualNetworkRule", subnetId: "/subscriptions/subid/resourcegroups/rg1/providers/microsoft.network/virtualnetworks/test-vnet/subnets/subnet1" },
    ]);
  });

  it("is PublicRestricted with both IP and virtual network rules, listing both", () => {
    const exposure = exposureOf(closedPublicVault({ ipRules: ipRules("124.56.78.91"), virtualNetworkRules: [virtualNetworkRule()] }));
    expect(exposure.class).toBe("PublicRestricted");
    expect(exposure.paths.map((path) => path.kind)).toEqual(["ipRule", "virtualNetworkRule"]);
  });

  it("does not count a Managed HSM's virtual network rules, which admit nobody", () => {
    const hsm = withProperties(withNetworkAcls(firewalledManagedHsm(), { virtualNetworkRules: [virtualNetworkRule()] }), {
      privateEndpointConnections: [],
    });
    const exposure = exposureOf(hsm);
    expect(exposure.class).toBe("Unreachable");
    expect(exposure.paths).toEqual([]);
  });

  it("does not count an invalid IP rule as a path", () => {
    expect(exposureOf(closedPublicVault({ ipRules: ipRules("'10.91.4.0/24'") })).class).toBe("Unreachable");
  });

  it("ignores IP rules once public access is off", () => {
    const vault = withNetworkAcls(hardenedVault(), { ipRules: ipRules("124.56.78.91") });
    expect(exposureOf(vault).paths.map((path) => path.kind)).toEqual(["privateEndpoint"]);
  });

  it("is TrustedServicesOnly when public access is Disabled but trusted services bypass the firewall", () => {
    const vault = withProperties(withNetworkAcls(hardenedVault(), { bypass: "AzureServices" }), { privateEndpointConnections: [] });
    expect(exposureOf(vault)).toEqual({ class: "TrustedServicesOnly", paths: [{ kind: "trustedServices" }] });
  });

  it("is TrustedServicesOnly for a public vault whose Deny firewall has no rules but keeps the default bypass", () => {
    expect(exposureOf(closedPublicVault({ bypass: null })).class).toBe("TrustedServicesOnly");
  });

  it("is PrivateOnly when only approved, provisioned private endpoints reach the resource", () => {
    const exposure = exposureOf(hardenedVault());
    expect(exposure.class).toBe("PrivateOnly");
    expect(exposure.paths).toEqual([
      {
        kind: "privateEndpoint",
        privateEndpointId:
          "/subscriptions/00000000-0000-0000-1234-000000000000/resourceGroups/sample-group/providers/Microsoft.Network/privateEndpoints/sample-pe",
        connectionId:
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sample-group/providers/Microsoft.KeyVault/vaults/sample-vault/privateEndpointConnections/sample-pec",
      },
    ]);
    expect(exposureOf(hardenedManagedHsm()).class).toBe("PrivateOnly");
  });

  it("does not count pending or unprovisioned private endpoints", () => {
    const vault = withProperties(hardenedVault(), {
      privateEndpointConnections: [
        privateEndpointConnection({ status: "Pending", name: "a" }),
        privateEndpointConnection({ status: "Approved", provisioningState: "Updating", name: "b" }),
      ],
    });
    expect(exposureOf(vault)).toEqual({ class: "Unreachable", paths: [] });
  });

  it("is Perimeter for a vault secured by a perimeter without private endpoints, whatever its bypass", () => {
    const vault = withNetworkAcls(withProperties(hardenedVault(), { publicNetworkAccess: "SecuredByPerimeter", privateEndpointConnections: [] }), {
      bypass: "AzureServices",
    });
    expect(exposureOf(vault)).toEqual({ class: "Perimeter", paths: [{ kind: "networkSecurityPerimeter" }] });
  });

  it("is PrivateOnly for a perimeter-secured vault that also has a private endpoint, the wider of the two", () => {
    const exposure = exposureOf(withProperties(hardenedVault(), { publicNetworkAccess: "SecuredByPerimeter" }));
    expect(exposure.class).toBe("PrivateOnly");
    expect(exposure.paths.map((path) => path.kind)).toEqual(["privateEndpoint", "networkSecurityPerimeter"]);
  });

  it("is Unreachable with public access Disabled, no bypass and no private endpoint", () => {
    const vault = withProperties(hardenedVault(), { privateEndpointConnections: [] });
    expect(exposureOf(vault)).toEqual({ class: "Unreachable", paths: [] });
  });

  it("is Unknown, naming the property, when something that could change the class cannot be read", () => {
    const exposure = exposureOf(withNetworkAcls(firewalledVault(), { ipRules: "124.56.78.91", virtualNetworkRules: [] }));
    expect(exposure.class).toBe("Unknown");
    expect(exposure.problem).toContain("ipRules");
  });

  it("keeps its class when the unreadable property could not change it, and names the property", () => {
    // Public access on and the firewall allowing all networks: Internet, whatever the connections say.
    const open = withProperties(withNetworkAcls(exampleVault(), { defaultAction: "Allow" }), { privateEndpointConnections: "garbage" });
    const exposure = exposureOf(open);
    expect(exposure.class).toBe("Internet");
    expect(exposure.paths).toEqual([{ kind: "allNetworks" }, { kind: "trustedServices" }]);
    expect(exposure.problem).toContain("privateEndpointConnections");
    // A subnet rule admits the public already: an unreadable IP rule list cannot make it narrower or wider.
    expect(exposureOf(withNetworkAcls(firewalledVault(), { ipRules: "124.56.78.91" })).class).toBe("PublicRestricted");
  });

  it("is Unknown when public access cannot be read and the firewall would matter", () => {
    expect(exposureOf(withProperties(exampleVault(), { publicNetworkAccess: 7 })).class).toBe("Unknown");
  });

  it("is the same whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(hardenedVault())) expect(exposureOf(raw).class).toBe("PrivateOnly");
    for (const { raw } of inEveryShape(firewalledVault())) expect(exposureOf(raw).class).toBe("PublicRestricted");
  });
});

describe("describeExposurePaths", () => {
  it("names every admitting path in a few words, for the table, CSV and Markdown reports", () => {
    expect(
      describeExposurePaths({
        class: "PublicRestricted",
        paths: [
          { kind: "ipRule", value: "203.0.113.0/24", addresses: 256 },
          { kind: "virtualNetworkRule", subnetId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/app" },
          { kind: "trustedServices" },
          { kind: "privateEndpoint", privateEndpointId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe-kv", connectionId: "c" },
        ],
      }),
    ).toBe("IP 203.0.113.0/24 (256 addresses); subnet vnet1/subnets/app; trusted Azure services; private endpoint pe-kv");
  });

  it("says nothing admits an unreachable resource, and why an exposure is unknown", () => {
    expect(describeExposurePaths({ class: "Unreachable", paths: [] })).toBe("nothing");
    expect(describeExposurePaths({ class: "Unknown", paths: [], problem: "ipRules: should be a list" })).toBe("unknown (ipRules: should be a list)");
  });
});
