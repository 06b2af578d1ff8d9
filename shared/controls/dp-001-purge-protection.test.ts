import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  asResourceNotification,
  exampleManagedHsm,
  exampleVault,
  exampleVaultWithNetworkAcls,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-DP-001";

describe("VW-DP-001 Purge protection is enabled", () => {
  it.each([
    ["true", true],
    ["\"true\"", "true"],
    ["\"True\"", "True"],
    ["1", 1],
  ])("passes a vault whose enablePurgeProtection is %s", (_label, value) => {
    expect(statusOf(withProperties(hardenedVault(), { enablePurgeProtection: value }), CONTROL)).toBe("Pass");
  });

  it("passes a Managed HSM with purge protection", () => {
    expect(statusOf(hardenedManagedHsm(), CONTROL)).toBe("Pass");
  });

  it("passes a Resource Notifications payload that renders the flag as 1", () => {
    const payload = asResourceNotification(hardenedVault());
    expect((payload.resourceInfo as { properties: Record<string, unknown> }).properties.enablePurgeProtection).toBe(1);
    expect(statusOf(payload, CONTROL)).toBe("Pass");
  });

  it.each([
    ["false", false],
    ["\"false\"", "false"],
    ["0", 0],
  ])("fails a vault whose enablePurgeProtection is %s", (_label, value) => {
    expect(findingOf(withProperties(hardenedVault(), { enablePurgeProtection: value }), CONTROL)).toMatchObject({
      status: "Fail",
      evidence: { enablePurgeProtection: false, defaulted: false },
    });
  });

  it.each([
    ["missing", ABSENT],
    ["null", null],
    ["an empty string", ""],
  ])("fails a vault whose enablePurgeProtection is %s, because absent means false", (_label, value) => {
    expect(findingOf(withProperties(hardenedVault(), { enablePurgeProtection: value }), CONTROL)).toMatchObject({
      status: "Fail",
      evidence: { enablePurgeProtection: false, defaulted: true },
    });
  });

  it("fails the reference vault (flag absent) and the reference HSM (flag false)", () => {
    expect(statusOf(exampleVault(), CONTROL)).toBe("Fail");
    expect(statusOf(exampleManagedHsm(), CONTROL)).toBe("Fail");
  });

  it("fails a Resource Notifications payload that renders the flag as 0", () => {
    expect(statusOf(asResourceNotification(exampleManagedHsm()), CONTROL)).toBe("Fail");
  });

  it("fails the reference network ACL vault, whose response omits the purge flag it was requested with: absent is false", () => {
    expect(statusOf(exampleVaultWithNetworkAcls(), CONTROL)).toBe("Fail");
  });

  it("is Unknown when the flag is neither a boolean, \"true\"/\"false\" nor 1/0", () => {
    expect(statusOf(withProperties(hardenedVault(), { enablePurgeProtection: "yes" }), CONTROL)).toBe("Unknown");
    expect(statusOf(withProperties(hardenedVault(), { enablePurgeProtection: 2 }), CONTROL)).toBe("Unknown");
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(hardenedVault())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(exampleManagedHsm())) expect(statusOf(raw, CONTROL)).toBe("Fail");
  });

  it("is High severity and remedies with --enable-purge-protection true", () => {
    const finding = findingOf(exampleVault(), CONTROL);
    expect(finding?.severity).toBe("High");
    expect(finding?.remediation?.commands.join("\n")).toContain(
      "az keyvault update --name sample-vault --resource-group sample-resource-group --enable-purge-protection true",
    );
    expect(findingOf(exampleManagedHsm(), CONTROL)?.remediation?.commands.join("\n")).toContain(
      "az keyvault update-hsm --hsm-name hsm1 --resource-group hsm-group --enable-purge-protection true",
    );
  });
});
