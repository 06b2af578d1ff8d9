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
  virtualNetworkRule,
  withNetworkAcls,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-NET-007";

function vaultWithRules(...rules: unknown[]) {
  return withNetworkAcls(firewalledVault(), { virtualNetworkRules: rules });
}

function subnets(count: number) {
  return Array.from({ length: count }, (_, index) => virtualNetworkRule(false, `subnet${index}`));
}

describe("VW-NET-007 Virtual network rules are effective", () => {
  describe("when it applies", () => {
    it("does not apply when public access is Disabled, because service-endpoint rules filter public traffic only", () => {
      expect(statusOf(withNetworkAcls(hardenedVault(), { virtualNetworkRules: [virtualNetworkRule(true)] }), CONTROL)).toBe(
        "NotApplicable",
      );
      expect(statusOf(withNetworkAcls(hardenedManagedHsm(), { virtualNetworkRules: [virtualNetworkRule()] }), CONTROL)).toBe(
        "NotApplicable",
      );
    });

    it("does not apply to a vault secured by a perimeter", () => {
      const vault = withProperties(vaultWithRules(virtualNetworkRule(true)), { publicNetworkAccess: "SecuredByPerimeter" });
      expect(statusOf(vault, CONTROL)).toBe("NotApplicable");
    });

    it("applies to a Managed HSM that says SecuredByPerimeter, because that does not turn an HSM's public access off", () => {
      const hsm = withNetworkAcls(withProperties(firewalledManagedHsm(), { publicNetworkAccess: "SecuredByPerimeter" }), {
        virtualNetworkRules: [virtualNetworkRule()],
      });
      expect(statusOf(hsm, CONTROL)).toBe("Fail");
    });

    it("does not apply when public access is off, even if the rules could not be read", () => {
      expect(statusOf(withNetworkAcls(hardenedVault(), { virtualNetworkRules: "subnet1" }), CONTROL)).toBe("NotApplicable");
    });

    it("applies while the firewall allows by default, because public access alone decides", () => {
      const vault = withNetworkAcls(vaultWithRules(virtualNetworkRule(true)), { defaultAction: "Allow" });
      expect(statusOf(vault, CONTROL)).toBe("Fail");
    });

    it("is Unknown when public access is on and virtualNetworkRules is not a list", () => {
      expect(statusOf(withNetworkAcls(firewalledVault(), { virtualNetworkRules: { id: "x" } }), CONTROL)).toBe("Unknown");
    });
  });

  describe("on a vault", () => {
    it.each([
      ["missing", ABSENT],
      ["null", null],
      ["an empty list", []],
    ])("passes when virtualNetworkRules is %s", (_label, value) => {
      expect(statusOf(withNetworkAcls(firewalledVault(), { virtualNetworkRules: value }), CONTROL)).toBe("Pass");
    });

    it("passes the reference vaults: no rules, and a subnet rule that does not ignore a missing endpoint", () => {
      expect(statusOf(exampleVault(), CONTROL)).toBe("Pass");
      expect(statusOf(exampleVaultWithNetworkAcls(), CONTROL)).toBe("Pass");
    });

    it.each([
      ["false", false],
      ["\"false\"", "false"],
      ["0", 0],
      ["absent", ABSENT],
      ["null", null],
    ])("passes a rule whose ignoreMissingVnetServiceEndpoint is %s", (_label, flag) => {
      expect(statusOf(vaultWithRules(virtualNetworkRule(flag)), CONTROL)).toBe("Pass");
    });

    it.each([
      ["true", true],
      ["\"true\"", "true"],
      ["1", 1],
    ])("fails a rule whose ignoreMissingVnetServiceEndpoint is %s, since the rule may never match", (_label, flag) => {
      const finding = findingOf(vaultWithRules(virtualNetworkRule(false, "ok"), virtualNetworkRule(flag, "loose")), CONTROL);
      expect(finding?.status).toBe("Fail");
      expect(JSON.stringify(finding?.evidence.ignoringMissingServiceEndpoint)).toContain("subnets/loose");
    });

    it("passes 200 rules, the limit", () => {
      expect(statusOf(vaultWithRules(...subnets(200)), CONTROL)).toBe("Pass");
    });

    it("fails 201 rules", () => {
      const finding = findingOf(vaultWithRules(...subnets(201)), CONTROL);
      expect(finding?.status).toBe("Fail");
      expect(finding?.evidence).toMatchObject({ ruleCount: 201, ruleLimit: 200 });
    });

    it("is Unknown when a rule's flag cannot be read and nothing else fails", () => {
      expect(statusOf(vaultWithRules(virtualNetworkRule("sometimes")), CONTROL)).toBe("Unknown");
    });

    it("fails when one rule ignores a missing endpoint, even if another rule's flag cannot be read", () => {
      expect(statusOf(vaultWithRules(virtualNetworkRule("sometimes", "a"), virtualNetworkRule(true, "b")), CONTROL)).toBe("Fail");
    });
  });

  describe("on a Managed HSM", () => {
    it.each([
      ["missing", ABSENT],
      ["null", null],
      ["an empty list", []],
    ])("passes when virtualNetworkRules is %s", (_label, value) => {
      expect(statusOf(withNetworkAcls(firewalledManagedHsm(), { virtualNetworkRules: value }), CONTROL)).toBe("Pass");
    });

    it("passes the reference HSM, which has no network ACLs", () => {
      expect(statusOf(exampleManagedHsm(), CONTROL)).toBe("Pass");
    });

    it("fails any virtual network rule, because Managed HSM does not support service endpoints", () => {
      const finding = findingOf(withNetworkAcls(firewalledManagedHsm(), { virtualNetworkRules: [virtualNetworkRule(false)] }), CONTROL);
      expect(finding?.status).toBe("Fail");
      expect(finding?.evidence).toMatchObject({ ruleCount: 1 });
    });
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(vaultWithRules(virtualNetworkRule(true)))) expect(statusOf(raw, CONTROL)).toBe("Fail");
    for (const { raw } of inEveryShape(vaultWithRules(virtualNetworkRule(false)))) expect(statusOf(raw, CONTROL)).toBe("Pass");
  });

  it("is Low severity", () => {
    expect(findingOf(exampleVault(), CONTROL)?.severity).toBe("Low");
  });
});
