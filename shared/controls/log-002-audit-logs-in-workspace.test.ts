import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  EVENT_HUB_RULE_ID,
  EXAMPLE_VAULT_ID,
  PARTNER_ID,
  STORAGE_ACCOUNT_ID,
  type SettingShape,
  diagnosticSetting,
  exampleDiagnosticSetting,
  exampleVault,
  flattenedSetting,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  patched,
  withDiagnosticSettings,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-LOG-002";

function vaultWith(...settings: unknown[]) {
  return withDiagnosticSettings(exampleVault(), settings);
}

function setting(shape: SettingShape) {
  return diagnosticSetting(EXAMPLE_VAULT_ID, shape);
}

describe("VW-LOG-002 Audit logs reach a Log Analytics workspace", () => {
  it("does not apply when VW-LOG-001 is Unknown (no diagnostic settings supplied)", () => {
    expect(statusOf(exampleVault(), "VW-LOG-001")).toBe("Unknown");
    expect(statusOf(exampleVault(), CONTROL)).toBe("NotApplicable");
    expect(statusOf(patched(exampleVault(), { diagnosticSettingsError: "throttled" }), CONTROL)).toBe("NotApplicable");
  });

  it("does not apply when VW-LOG-001 fails, even if a setting sends other logs to a workspace", () => {
    const vault = vaultWith(setting({ logs: [{ category: "AzurePolicyEvaluationDetails" }] }));
    expect(statusOf(vault, "VW-LOG-001")).toBe("Fail");
    expect(statusOf(vault, CONTROL)).toBe("NotApplicable");
    expect(statusOf(vaultWith(), CONTROL)).toBe("NotApplicable");
  });

  it("passes audit logs sent to a Log Analytics workspace", () => {
    expect(statusOf(hardenedVault(), CONTROL)).toBe("Pass");
    expect(statusOf(hardenedManagedHsm(), CONTROL)).toBe("Pass");
    expect(statusOf(vaultWith(flattenedSetting(setting({ logs: [{ category: "AuditEvent" }] }))), CONTROL)).toBe("Pass");
  });

  it("fails the reference setting, whose workspaceId is an empty string: audit logs reach only storage and Event Hubs", () => {
    const vault = vaultWith(exampleDiagnosticSetting());
    expect(statusOf(vault, "VW-LOG-001")).toBe("Pass");
    expect(statusOf(vault, CONTROL)).toBe("Fail");
  });

  it.each([
    ["storage", { workspaceId: ABSENT, storageAccountId: STORAGE_ACCOUNT_ID }],
    ["Event Hubs", { workspaceId: ABSENT, eventHubAuthorizationRuleId: EVENT_HUB_RULE_ID }],
    ["a partner", { workspaceId: null, marketplacePartnerId: PARTNER_ID }],
  ])("fails audit logs that go only to %s", (_label, destinations) => {
    expect(statusOf(vaultWith(setting(destinations)), CONTROL)).toBe("Fail");
  });

  it("passes when one of two qualifying settings sends audit logs to a workspace", () => {
    const vault = vaultWith(
      setting({ name: "archive", workspaceId: ABSENT, storageAccountId: STORAGE_ACCOUNT_ID }),
      setting({ name: "siem", logs: [{ categoryGroup: "allLogs" }] }),
    );
    expect(statusOf(vault, CONTROL)).toBe("Pass");
  });

  it("fails when the workspace setting does not carry the audit logs and another setting sends them to storage", () => {
    const vault = vaultWith(
      setting({ name: "archive", workspaceId: ABSENT, storageAccountId: STORAGE_ACCOUNT_ID, logs: [{ category: "AuditEvent" }] }),
      setting({ name: "workspace", logs: [{ category: "AuditEvent", enabled: false }] }),
    );
    expect(statusOf(vault, "VW-LOG-001")).toBe("Pass");
    expect(statusOf(vault, CONTROL)).toBe("Fail");
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(hardenedVault())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(vaultWith(exampleDiagnosticSetting()))) expect(statusOf(raw, CONTROL)).toBe("Fail");
  });

  it("is Low severity", () => {
    expect(findingOf(exampleVault(), CONTROL)?.severity).toBe("Low");
  });
});
