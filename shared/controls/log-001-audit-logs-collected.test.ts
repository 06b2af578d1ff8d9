import { describe, expect, it } from "vitest";
import { findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  ABSENT,
  EVENT_HUB_RULE_ID,
  EXAMPLE_VAULT_ID,
  PARTNER_ID,
  STORAGE_ACCOUNT_ID,
  type SettingShape,
  asResourceGraphRow,
  asResourceNotification,
  diagnosticSetting,
  exampleDiagnosticSetting,
  exampleManagedHsm,
  exampleVault,
  flattenedSetting,
  hardenedManagedHsm,
  hardenedVault,
  inEveryShape,
  patched,
  withDiagnosticSettings,
} from "../../test/fixtures/resources.js";

const CONTROL = "VW-LOG-001";

function vaultWith(...settings: unknown[]) {
  return withDiagnosticSettings(exampleVault(), settings);
}

function setting(shape: SettingShape) {
  return diagnosticSetting(EXAMPLE_VAULT_ID, shape);
}

describe("VW-LOG-001 Audit logs are collected", () => {
  describe("without diagnostic settings to judge", () => {
    it("is Unknown for a vault supplied without diagnostic settings", () => {
      const finding = findingOf(exampleVault(), CONTROL);
      expect(finding?.status).toBe("Unknown");
      expect(finding?.reason).toMatch(/not supplied/);
    });

    it("is Unknown for a Resource Graph row, which never carries diagnostic settings", () => {
      expect(statusOf(asResourceGraphRow(hardenedVault()), CONTROL)).toBe("Unknown");
    });

    it("is Unknown when diagnosticSettings is null", () => {
      expect(statusOf(withDiagnosticSettings(hardenedVault(), null), CONTROL)).toBe("Unknown");
    });

    it("is Unknown, with the reason, when the settings could not be read", () => {
      const vault = patched(exampleVault(), { diagnosticSettingsError: "403 AuthorizationFailed" });
      const finding = findingOf(vault, CONTROL);
      expect(finding?.status).toBe("Unknown");
      expect(finding?.reason).toContain("403 AuthorizationFailed");
    });

    it("is Unknown when diagnosticSettings is not a list", () => {
      expect(statusOf(withDiagnosticSettings(hardenedVault(), "audit"), CONTROL)).toBe("Unknown");
    });
  });

  describe("passing settings", () => {
    it("passes the audit category group sent to a Log Analytics workspace", () => {
      expect(statusOf(hardenedVault(), CONTROL)).toBe("Pass");
      expect(statusOf(hardenedManagedHsm(), CONTROL)).toBe("Pass");
    });

    it("passes the reference setting: allLogs to storage and Event Hubs, with an empty workspaceId", () => {
      expect(statusOf(vaultWith(exampleDiagnosticSetting()), CONTROL)).toBe("Pass");
    });

    it.each([
      ["the AuditEvent category", { category: "AuditEvent" }],
      ["the audit category group", { categoryGroup: "audit" }],
      ["the allLogs category group", { categoryGroup: "allLogs" }],
      ["auditevent in lower case", { category: "auditevent" }],
      ["AUDIT in upper case", { categoryGroup: "AUDIT" }],
      ["alllogs in lower case", { categoryGroup: "alllogs" }],
    ])("passes %s", (_label, log) => {
      expect(statusOf(vaultWith(setting({ logs: [log] })), CONTROL)).toBe("Pass");
    });

    it.each([
      ["a storage account", { workspaceId: ABSENT, storageAccountId: STORAGE_ACCOUNT_ID }],
      ["an Event Hub", { workspaceId: ABSENT, eventHubAuthorizationRuleId: EVENT_HUB_RULE_ID }],
      ["a marketplace partner", { workspaceId: ABSENT, marketplacePartnerId: PARTNER_ID }],
    ])("passes audit logs sent only to %s", (_label, destinations) => {
      expect(statusOf(vaultWith(setting({ ...destinations, logs: [{ category: "AuditEvent" }] })), CONTROL)).toBe("Pass");
    });

    it.each([
      ["true", true],
      ["\"true\"", "true"],
      ["1", 1],
    ])("counts a log entry whose enabled is %s", (_label, enabled) => {
      expect(statusOf(vaultWith(setting({ logs: [{ categoryGroup: "audit", enabled }] })), CONTROL)).toBe("Pass");
    });

    it("passes when one setting of several qualifies", () => {
      const vault = vaultWith(
        setting({ name: "policy", logs: [{ category: "AzurePolicyEvaluationDetails" }] }),
        setting({ name: "audit", workspaceId: ABSENT, storageAccountId: STORAGE_ACCOUNT_ID, logs: [{ category: "AuditEvent" }] }),
      );
      expect(statusOf(vault, CONTROL)).toBe("Pass");
    });

    it("passes settings flattened by the SDK, and settings wrapped in an ARM list", () => {
      expect(statusOf(vaultWith(flattenedSetting(setting({}))), CONTROL)).toBe("Pass");
      expect(statusOf(withDiagnosticSettings(exampleVault(), { value: [setting({})] }), CONTROL)).toBe("Pass");
    });

    it("passes a Resource Notifications payload whose settings say enabled: 1", () => {
      expect(statusOf(asResourceNotification(hardenedVault()), CONTROL)).toBe("Pass");
    });
  });

  describe("failing settings", () => {
    it("fails an empty list of settings", () => {
      const finding = findingOf(vaultWith(), CONTROL);
      expect(finding?.status).toBe("Fail");
      expect(finding?.evidence).toEqual({ settings: [] });
    });

    it("fails an empty ARM list of settings", () => {
      expect(statusOf(withDiagnosticSettings(exampleVault(), { value: [] }), CONTROL)).toBe("Fail");
    });

    it.each([
      ["false", false],
      ["\"false\"", "false"],
      ["0", 0],
      ["missing", ABSENT],
      ["null", null],
    ])("fails an audit entry whose enabled is %s", (_label, enabled) => {
      expect(statusOf(vaultWith(setting({ logs: [{ categoryGroup: "audit", enabled }] })), CONTROL)).toBe("Fail");
    });

    it("fails a setting that collects only other categories", () => {
      expect(statusOf(vaultWith(setting({ logs: [{ category: "AzurePolicyEvaluationDetails" }] })), CONTROL)).toBe("Fail");
    });

    it("fails a setting with no log entries (metrics only)", () => {
      expect(statusOf(vaultWith(setting({ logs: [] })), CONTROL)).toBe("Fail");
    });

    it("fails audit logs with no destination at all", () => {
      expect(statusOf(vaultWith(setting({ workspaceId: ABSENT })), CONTROL)).toBe("Fail");
    });

    it.each([
      ["an empty workspaceId", ""],
      ["a null workspaceId", null],
    ])("fails audit logs whose only destination is %s", (_label, workspaceId) => {
      expect(statusOf(vaultWith(setting({ workspaceId })), CONTROL)).toBe("Fail");
    });

    it("fails audit logs sent only to a Service Bus rule, which the catalog does not count as a destination", () => {
      const serviceBus = `${STORAGE_ACCOUNT_ID.replace("Microsoft.Storage/storageAccounts/auditarchive", "Microsoft.ServiceBus/namespaces/sb/authorizationrules/r")}`;
      expect(statusOf(vaultWith(setting({ workspaceId: ABSENT, serviceBusRuleId: serviceBus })), CONTROL)).toBe("Fail");
    });

    it("fails when the audit category and the destination sit in different settings", () => {
      const vault = vaultWith(
        setting({ name: "nowhere", workspaceId: ABSENT, logs: [{ categoryGroup: "audit" }] }),
        setting({ name: "policy", logs: [{ category: "AzurePolicyEvaluationDetails" }] }),
      );
      expect(statusOf(vault, CONTROL)).toBe("Fail");
    });

    it("fails the reference HSM given an empty list", () => {
      expect(statusOf(withDiagnosticSettings(exampleManagedHsm(), []), CONTROL)).toBe("Fail");
    });
  });

  it("gives the same verdict whatever source shape carries the resource", () => {
    for (const { raw } of inEveryShape(hardenedVault())) expect(statusOf(raw, CONTROL)).toBe("Pass");
    for (const { raw } of inEveryShape(vaultWith(setting({ workspaceId: "" })))) expect(statusOf(raw, CONTROL)).toBe("Fail");
  });

  it("is Medium severity and remedies with a diagnostic setting for the audit group", () => {
    const finding = findingOf(vaultWith(), CONTROL);
    expect(finding?.severity).toBe("Medium");
    expect(finding?.remediation?.commands.join("\n")).toContain(`az monitor diagnostic-settings create --resource ${EXAMPLE_VAULT_ID}`);
    expect(finding?.remediation?.commands.join("\n")).toContain('"categoryGroup":"audit"');
  });
});
