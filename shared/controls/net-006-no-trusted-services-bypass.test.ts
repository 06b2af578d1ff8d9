import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  exampleManagedHsm,
  exampleVault,
  exampleVaultWithNetworkAcls,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  withNetworkAcls,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-NET-006";

describe("VW-NET-006 Trusted Azure services do not bypass the firewall", () => {
  it.each(["None", "none", "NONE"])("passes a vault whose bypass is %s", (bypass) => {
    expect(statusOf(withNetworkAcls(hardenedVault(), { bypass }), CONTROL)).toBe("Pass");
  });

  it("passes a Managed HSM whose bypass is None", () => {
    expect(statusOf(hardenedManagedHsm(), CONTROL)).toBe("Pass");
  });

  it("passes a vault secured by a perimeter even though its bypass is AzureServices, because a perimeter forbids trusted services", () => {
    const vault = withNetworkAcls(withProperties(hardenedVault(), { publicNetworkAccess: "SecuredByPerimeter" }), {
      bypass: "AzureServices",
    });
    expect(statusOf(vault, CONTROL)).toBe("Pass");
  });

  it("passes a vault secured by a perimeter that has no network ACLs at all", () => {
    expect(statusOf(withProperties(exampleVault(), { publicNetworkAccess: "SecuredByPerimeter" }), CONTROL)).toBe("Pass");
  });

  it("fails a Managed HSM that says SecuredByPerimeter with bypass AzureServices, because only vaults have perimeters", () => {
    const hsm = withNetworkAcls(withProperties(hardenedManagedHsm(), { publicNetworkAccess: "SecuredByPerimeter" }), {
      bypass: "AzureServices",
    });
    expect(statusOf(hsm, CONTROL)).toBe("Fail");
  });

  it("fails the reference network ACL vault, whose bypass is AzureServices", () => {
    expect(findingOf(exampleVaultWithNetworkAcls(), CONTROL)).toMatchObject({
      status: "Fail",
      evidence: { bypass: "AzureServices", defaulted: false },
    });
  });

  it("fails bypass AzureServices even when public network access is Disabled, because trusted services still pass", () => {
    expect(statusOf(withNetworkAcls(hardenedVault(), { bypass: "AzureServices" }), CONTROL)).toBe("Fail");
    expect(statusOf(withNetworkAcls(hardenedManagedHsm(), { bypass: "azureservices" }), CONTROL)).toBe("Fail");
  });

  it.each([
    ["missing", ABSENT],
    ["null", null],
    ["an empty string", ""],
  ])("fails a vault whose bypass is %s, because the default is AzureServices", (_label, bypass) => {
    const finding = findingOf(withNetworkAcls(hardenedVault(), { bypass }), CONTROL);
    expect(finding?.status).toBe("Fail");
    expect(finding?.evidence).toMatchObject({ bypass: "AzureServices", defaulted: true });
  });

  it("fails the reference vault and HSM, which have no network ACLs (the default bypass is AzureServices)", () => {
    expect(statusOf(exampleVault(), CONTROL)).toBe("Fail");
    expect(statusOf(exampleManagedHsm(), CONTROL)).toBe("Fail");
    expect(statusOf(withProperties(exampleManagedHsm(), { networkAcls: null }), CONTROL)).toBe("Fail");
  });

  it("is Unknown when bypass is not a string", () => {
    expect(statusOf(withNetworkAcls(hardenedVault(), { bypass: ["None"] }), CONTROL)).toBe("Unknown");
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(hardenedVault())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(exampleVaultWithNetworkAcls())) expect(statusOf(raw, CONTROL)).toBe("Fail");
  });

  it("is Low severity and remedies with --bypass None", () => {
    const finding = findingOf(exampleVault(), CONTROL);
    expect(finding?.severity).toBe("Low");
    expect(finding?.remediation?.commands.join("\n")).toContain("az keyvault update --name sample-vault --resource-group sample-resource-group --bypass None");
    expect(findingOf(exampleManagedHsm(), CONTROL)?.remediation?.commands.join("\n")).toContain("update-hsm --hsm-name hsm1");
  });
});
