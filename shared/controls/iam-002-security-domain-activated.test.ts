import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  exampleManagedHsm,
  exampleVault,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-IAM-002";

function hsmWithActivation(activationStatus: unknown) {
  return withProperties(hardenedManagedHsm(), {
    securityDomainProperties: { activationStatus, activationStatusMessage: "set by the test" },
  });
}

describe("VW-IAM-002 The security domain is activated", () => {
  it("applies to Managed HSMs only: a vault gets no finding for it", () => {
    expect(findingOf(hardenedVault(), CONTROL)).toBeUndefined();
    expect(findingOf(withProperties(exampleVault(), { securityDomainProperties: { activationStatus: "Failed" } }), CONTROL)).toBeUndefined();
  });

  it.each(["Active", "active", "ACTIVE"])("passes an HSM whose activation status is %s", (status) => {
    expect(statusOf(hsmWithActivation(status), CONTROL)).toBe("Pass");
  });

  it.each(["NotActivated", "notactivated", "Failed"])("fails an HSM whose activation status is %s", (status) => {
    const finding = findingOf(hsmWithActivation(status), CONTROL);
    expect(finding?.status).toBe("Fail");
    expect(finding?.evidence).toEqual({ activationStatus: status });
  });

  it.each([
    ["Unknown", "Unknown"],
    ["null", null],
    ["an empty string", ""],
  ])("is Unknown when the activation status is %s", (_label, status) => {
    expect(statusOf(hsmWithActivation(status), CONTROL)).toBe("Unknown");
  });

  it("is Unknown for the reference HSM, which does not report securityDomainProperties", () => {
    expect(statusOf(exampleManagedHsm(), CONTROL)).toBe("Unknown");
  });

  it("is Unknown when securityDomainProperties is null or has no activation status", () => {
    expect(statusOf(withProperties(hardenedManagedHsm(), { securityDomainProperties: null }), CONTROL)).toBe("Unknown");
    expect(statusOf(withProperties(hardenedManagedHsm(), { securityDomainProperties: {} }), CONTROL)).toBe("Unknown");
  });

  it("is Unknown when the activation status is not a string", () => {
    expect(statusOf(hsmWithActivation(1), CONTROL)).toBe("Unknown");
  });

  it("gives the same verdict whatever source shape carries the HSM", () => {
    for (const { raw } of inEveryShape(hardenedManagedHsm())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(hsmWithActivation("NotActivated"))) expect(statusOf(raw, CONTROL)).toBe("Fail");
  });

  it("is Medium severity", () => {
    expect(findingOf(hsmWithActivation("Failed"), CONTROL)?.severity).toBe("Medium");
  });
});
