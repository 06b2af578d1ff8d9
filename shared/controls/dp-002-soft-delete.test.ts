import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  asResourceNotification,
  exampleManagedHsm,
  exampleVault,
  hardenedVault,
  inEveryShape,
  withProperties,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-DP-002";

function vault(enableSoftDelete: unknown, softDeleteRetentionInDays: unknown = 90) {
  return withProperties(hardenedVault(), { enableSoftDelete, softDeleteRetentionInDays });
}

describe("VW-DP-002 Soft delete is enabled with a valid retention", () => {
  it.each([
    ["true", true],
    ["\"true\"", "true"],
    ["1", 1],
  ])("passes a vault whose enableSoftDelete is %s with 90 days of retention", (_label, flag) => {
    expect(statusOf(vault(flag), CONTROL)).toBe("Pass");
  });

  it("passes the reference Managed HSM (soft delete on, 90 days)", () => {
    expect(statusOf(exampleManagedHsm(), CONTROL)).toBe("Pass");
  });

  it.each([
    ["missing", ABSENT],
    ["null", null],
    ["an empty string", ""],
  ])("passes when softDeleteRetentionInDays is %s, because the default is 90 days", (_label, retention) => {
    const finding = findingOf(vault(true, retention), CONTROL);
    expect(finding?.status).toBe("Pass");
    expect(finding?.evidence).toMatchObject({ softDeleteRetentionInDays: 90, retentionDefaulted: true });
  });

  it.each([7, 8, 30, 89, 90])("passes a retention of %i days, within 7–90", (days) => {
    expect(statusOf(vault(true, days), CONTROL)).toBe("Pass");
  });

  it.each([6, 91, 0, -1, 365])("fails a retention of %i days, outside 7–90, and shows it", (days) => {
    const finding = findingOf(vault(true, days), CONTROL);
    expect(finding?.status).toBe("Fail");
    expect(finding?.evidence).toMatchObject({ softDeleteRetentionInDays: days });
  });

  it.each([
    ["false", false],
    ["\"false\"", "false"],
    ["0", 0],
  ])("fails a vault whose enableSoftDelete is %s", (_label, flag) => {
    expect(statusOf(vault(flag), CONTROL)).toBe("Fail");
  });

  it.each([
    ["missing", ABSENT],
    ["null (how old vaults without soft delete read back)", null],
    ["an empty string", ""],
  ])("fails a vault whose enableSoftDelete is %s, because absent means not enabled", (_label, flag) => {
    expect(statusOf(vault(flag), CONTROL)).toBe("Fail");
  });

  it("fails the reference vault, which does not report enableSoftDelete", () => {
    expect(statusOf(exampleVault(), CONTROL)).toBe("Fail");
  });

  it("fails soft delete that is off even when the retention cannot be read", () => {
    expect(statusOf(vault(false, "ninety"), CONTROL)).toBe("Fail");
  });

  it("is Unknown when soft delete is on and the retention is not a number", () => {
    expect(statusOf(vault(true, "ninety"), CONTROL)).toBe("Unknown");
  });

  it("is Unknown when enableSoftDelete cannot be read", () => {
    expect(statusOf(vault("enabled"), CONTROL)).toBe("Unknown");
  });

  it("reads a Resource Notifications payload's 1/0 flag", () => {
    expect(statusOf(asResourceNotification(vault(true, 30)), CONTROL)).toBe("Pass");
    expect(statusOf(asResourceNotification(vault(false, 30)), CONTROL)).toBe("Fail");
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(vault(true, 7))) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(vault(true, 6))) expect(statusOf(raw, CONTROL)).toBe("Fail");
  });

  it("is Medium severity", () => {
    expect(findingOf(exampleVault(), CONTROL)?.severity).toBe("Medium");
  });
});
