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

const CONTROL = "VW-IAM-001";

describe("VW-IAM-001 Access is governed by Azure RBAC", () => {
  it("applies to vaults only: a Managed HSM gets no finding for it", () => {
    expect(findingOf(hardenedManagedHsm(), CONTROL)).toBeUndefined();
    expect(findingOf(withProperties(exampleManagedHsm(), { enableRbacAuthorization: false }), CONTROL)).toBeUndefined();
  });

  it.each([
    ["true", true],
    ["\"true\"", "true"],
    ["1", 1],
  ])("passes a vault whose enableRbacAuthorization is %s", (_label, value) => {
    expect(statusOf(withProperties(hardenedVault(), { enableRbacAuthorization: value }), CONTROL)).toBe("Pass");
  });

  it.each([
    ["false", false],
    ["\"false\"", "false"],
    ["0", 0],
  ])("fails a vault whose enableRbacAuthorization is %s (access policies)", (_label, value) => {
    expect(statusOf(withProperties(hardenedVault(), { enableRbacAuthorization: value }), CONTROL)).toBe("Fail");
  });

  it.each([
    ["missing", ABSENT],
    ["null", null],
    ["an empty string", ""],
  ])("fails a vault whose enableRbacAuthorization is %s, because the REST default is false", (_label, value) => {
    expect(findingOf(withProperties(hardenedVault(), { enableRbacAuthorization: value }), CONTROL)).toMatchObject({
      status: "Fail",
      evidence: { enableRbacAuthorization: false, defaulted: true },
    });
  });

  it("fails the reference vault, which uses access policies and does not report the flag", () => {
    expect(statusOf(exampleVault(), CONTROL)).toBe("Fail");
  });

  it("is Unknown when the flag cannot be read", () => {
    expect(statusOf(withProperties(hardenedVault(), { enableRbacAuthorization: { enabled: true } }), CONTROL)).toBe("Unknown");
  });

  it("gives the same verdict whatever source shape carries the vault", () => {
    for (const { raw } of inEveryShape(hardenedVault())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(exampleVault())) expect(statusOf(raw, CONTROL)).toBe("Fail");
  });

  it("is Medium severity and remedies with --enable-rbac-authorization true", () => {
    const finding = findingOf(exampleVault(), CONTROL);
    expect(finding?.severity).toBe("Medium");
    expect(finding?.remediation?.commands.join("\n")).toContain(
      "az keyvault update --name sample-vault --resource-group sample-resource-group --enable-rbac-authorization true",
    );
  });
});
