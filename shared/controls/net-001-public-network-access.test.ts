import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  exampleManagedHsm,
  exampleVault,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-NET-001";

describe("VW-NET-001 Public network access is disabled", () => {
  it.each(["Disabled", "disabled", "DISABLED"])("passes a vault whose publicNetworkAccess is %s", (value) => {
    expect(statusOf(withProperties(hardenedVault(), { publicNetworkAccess: value }), CONTROL)).toBe("Pass");
  });

  it("passes a Managed HSM whose publicNetworkAccess is Disabled", () => {
    expect(statusOf(hardenedManagedHsm(), CONTROL)).toBe("Pass");
  });

  it.each(["SecuredByPerimeter", "securedbyperimeter"])("passes a vault whose public traffic a perimeter governs (%s)", (value) => {
    expect(statusOf(withProperties(exampleVault(), { publicNetworkAccess: value }), CONTROL)).toBe("Pass");
  });

  it("fails a Managed HSM that says SecuredByPerimeter, because only vaults can be secured by a perimeter", () => {
    expect(statusOf(withProperties(hardenedManagedHsm(), { publicNetworkAccess: "SecuredByPerimeter" }), CONTROL)).toBe("Fail");
  });

  it("fails the reference vault, whose public network access is Enabled", () => {
    const finding = findingOf(exampleVault(), CONTROL);
    expect(finding?.status).toBe("Fail");
    expect(finding?.evidence).toMatchObject({ publicNetworkAccess: "Enabled", defaulted: false });
  });

  it("fails the reference Managed HSM, which does not report publicNetworkAccess (the default is Enabled)", () => {
    const finding = findingOf(exampleManagedHsm(), CONTROL);
    expect(finding?.status).toBe("Fail");
    expect(finding?.evidence).toMatchObject({ publicNetworkAccess: "Enabled", defaulted: true });
  });

  it.each([
    ["missing", ABSENT],
    ["null", null],
    ["an empty string", ""],
  ])("fails a vault whose publicNetworkAccess is %s, because absent means Enabled", (_label, value) => {
    expect(statusOf(withProperties(hardenedVault(), { publicNetworkAccess: value }), CONTROL)).toBe("Fail");
  });

  it("fails a value the service does not define, rather than guessing it is off", () => {
    expect(statusOf(withProperties(hardenedVault(), { publicNetworkAccess: "Restricted" }), CONTROL)).toBe("Fail");
  });

  it("is Unknown, naming the property, when publicNetworkAccess is not a string", () => {
    const finding = findingOf(withProperties(hardenedVault(), { publicNetworkAccess: false }), CONTROL);
    expect(finding?.status).toBe("Unknown");
    expect(finding?.reason).toContain("publicNetworkAccess");
  });

  it("gives the same verdict whatever source shape carries the vault", () => {
    for (const { raw } of inEveryShape(hardenedVault())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(exampleVault())) expect(statusOf(raw, CONTROL)).toBe("Fail");
  });

  it("is High severity and remedies with the resource's own name and group", () => {
    const vaultFinding = findingOf(exampleVault(), CONTROL);
    const hsmFinding = findingOf(exampleManagedHsm(), CONTROL);
    expect(vaultFinding?.severity).toBe("High");
    expect(vaultFinding?.remediation?.commands.join("\n")).toContain(
      "az keyvault update --name sample-vault --resource-group sample-resource-group --public-network-access Disabled",
    );
    expect(hsmFinding?.remediation?.commands.join("\n")).toContain(
      "az keyvault update-hsm --hsm-name hsm1 --resource-group hsm-group --public-network-access Disabled",
    );
  });
});
