import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  exampleManagedHsm,
  exampleVault,
  exampleVaultWithNetworkAcls,
  firewalledManagedHsm,
  firewalledVault,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  withNetworkAcls,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-NET-002";

describe("VW-NET-002 Firewall denies by default", () => {
  it("does not apply to a vault whose public network access is Disabled, even with an Allow firewall", () => {
    expect(statusOf(withNetworkAcls(hardenedVault(), { defaultAction: "Allow" }), CONTROL)).toBe("NotApplicable");
  });

  it("does not apply to a Managed HSM whose public network access is Disabled", () => {
    expect(statusOf(withNetworkAcls(hardenedManagedHsm(), { defaultAction: "Allow" }), CONTROL)).toBe("NotApplicable");
  });

  it("does not apply to a vault secured by a perimeter, even without network ACLs", () => {
    const vault = withProperties(exampleVault(), { publicNetworkAccess: "SecuredByPerimeter" });
    expect(statusOf(vault, CONTROL)).toBe("NotApplicable");
  });

  it("does not apply when public access is off, even if the network ACLs could not be read", () => {
    expect(statusOf(withProperties(hardenedVault(), { networkAcls: "Deny" }), CONTROL)).toBe("NotApplicable");
    expect(statusOf(withNetworkAcls(hardenedVault(), { defaultAction: 0 }), CONTROL)).toBe("NotApplicable");
  });

  it("judges a Managed HSM that says SecuredByPerimeter by its firewall, because that value does not turn an HSM's public access off", () => {
    const hsm = withProperties(firewalledManagedHsm(), { publicNetworkAccess: "SecuredByPerimeter" });
    expect(statusOf(hsm, CONTROL)).toBe("Pass");
    expect(statusOf(withNetworkAcls(hsm, { defaultAction: "Allow" }), CONTROL)).toBe("Fail");
  });

  it.each(["Deny", "deny", "DENY"])("passes a public vault whose firewall default action is %s", (value) => {
    expect(statusOf(withNetworkAcls(firewalledVault(), { defaultAction: value }), CONTROL)).toBe("Pass");
  });

  it("passes the reference vault with network ACLs (Deny), though it is public", () => {
    expect(statusOf(exampleVaultWithNetworkAcls(), CONTROL)).toBe("Pass");
    expect(statusOf(exampleVaultWithNetworkAcls(), "VW-NET-001")).toBe("Fail");
  });

  it("passes a public Managed HSM whose firewall denies by default", () => {
    expect(statusOf(firewalledManagedHsm(), CONTROL)).toBe("Pass");
  });

  it("fails a public vault whose firewall allows by default", () => {
    const finding = findingOf(withNetworkAcls(firewalledVault(), { defaultAction: "Allow" }), CONTROL);
    expect(finding?.status).toBe("Fail");
    expect(finding?.evidence).toMatchObject({ defaultAction: "Allow", defaulted: false });
  });

  it("fails the reference vault and HSM, which have no network ACLs at all (the default allows every network)", () => {
    expect(findingOf(exampleVault(), CONTROL)).toMatchObject({ status: "Fail", evidence: { defaultAction: "Allow", defaulted: true } });
    expect(statusOf(exampleManagedHsm(), CONTROL)).toBe("Fail");
  });

  it.each([
    ["networkAcls is null", { networkAcls: null }],
    ["networkAcls is empty", { networkAcls: {} }],
  ])("fails a public vault when %s", (_label, patch) => {
    expect(statusOf(withProperties(firewalledVault(), patch), CONTROL)).toBe("Fail");
  });

  it.each([
    ["missing", ABSENT],
    ["null", null],
    ["an empty string", ""],
  ])("fails a public vault whose defaultAction is %s", (_label, value) => {
    expect(statusOf(withNetworkAcls(firewalledVault(), { defaultAction: value }), CONTROL)).toBe("Fail");
  });

  it("fails a public vault whose publicNetworkAccess is absent, because absent means Enabled", () => {
    const vault = withNetworkAcls(withProperties(hardenedVault(), { publicNetworkAccess: ABSENT }), { defaultAction: "Allow" });
    expect(statusOf(vault, CONTROL)).toBe("Fail");
  });

  it("is Unknown when public access is on and defaultAction is not a string", () => {
    expect(statusOf(withNetworkAcls(firewalledVault(), { defaultAction: 1 }), CONTROL)).toBe("Unknown");
  });

  it("is Unknown when it cannot tell whether public access is on", () => {
    expect(statusOf(withProperties(firewalledVault(), { publicNetworkAccess: 1 }), CONTROL)).toBe("Unknown");
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(firewalledVault())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(exampleVault())) expect(statusOf(raw, CONTROL)).toBe("Fail");
    for (const { raw } of inEveryShape(hardenedManagedHsm())) expect(statusOf(raw, CONTROL)).toBe("NotApplicable");
  });

  it("is High severity and remedies with --default-action Deny", () => {
    const finding = findingOf(exampleManagedHsm(), CONTROL);
    expect(finding?.severity).toBe("High");
    expect(finding?.remediation?.commands.join("\n")).toContain("az keyvault update-hsm --hsm-name hsm1 --resource-group hsm-group --default-action Deny");
  });
});
