import { describe, expect, it } from "vitest";
import { evaluateFixture, findingOf, statusOf } from "../../test/fixtures/evaluation.js";
import {
  EXAMPLE_VAULT_ID,
  exampleManagedHsm,
  exampleVault,
  hardenedVault,
  patched,
  withDiagnosticSettings,
  withProperties,
  diagnosticSetting,
} from "../../test/fixtures/resources.js";

/** CONTROLS.md "Unreadable values": a present value in none of the accepted forms is never a default. */
describe("unreadable values", () => {
  describe("VW-LOG-001 with an audit entry whose enabled cannot be read", () => {
    const withAuditEnabled = (enabled: unknown, ...others: object[]) =>
      withDiagnosticSettings(hardenedVault(), [diagnosticSetting(EXAMPLE_VAULT_ID, { logs: [{ categoryGroup: "audit", enabled }] }), ...others]);

    it.each(["yes", 2, {}, "1"])("is Unknown, not Fail, for enabled %j, with a warning naming the resource and the property", (enabled) => {
      const evaluation = evaluateFixture(withAuditEnabled(enabled));
      const finding = evaluation.findings.find((candidate) => candidate.controlId === "VW-LOG-001");
      expect(finding?.status).toBe("Unknown");
      expect(finding?.remediation).toBeUndefined();
      expect(evaluation.warnings).toEqual([expect.stringContaining("diagnosticSettings[0].logs[0].enabled")]);
      expect(evaluation.warnings[0]).toContain(EXAMPLE_VAULT_ID);
      expect(statusOf(withAuditEnabled(enabled), "VW-LOG-002")).toBe("NotApplicable");
    });

    it("passes when another entry already collects the audit logs", () => {
      const collecting = diagnosticSetting(EXAMPLE_VAULT_ID, { name: "good", logs: [{ category: "AuditEvent", enabled: true }] });
      expect(statusOf(withAuditEnabled("yes", collecting), "VW-LOG-001")).toBe("Pass");
    });

    it("still fails when the unreadable entry is not an audit entry, or its setting has no destination", () => {
      const other = withDiagnosticSettings(hardenedVault(), [
        diagnosticSetting(EXAMPLE_VAULT_ID, { logs: [{ category: "AzurePolicyEvaluationDetails", enabled: "yes" }] }),
      ]);
      expect(statusOf(other, "VW-LOG-001")).toBe("Fail");
      const nowhere = withDiagnosticSettings(hardenedVault(), [
        diagnosticSetting(EXAMPLE_VAULT_ID, { workspaceId: "", logs: [{ categoryGroup: "audit", enabled: "yes" }] }),
      ]);
      expect(statusOf(nowhere, "VW-LOG-001")).toBe("Fail");
    });
  });

  describe("VW-DP-002 with a retention that is not a whole number of days", () => {
    it.each([7.5, "7.5", "ninety", true, [30]])("is Unknown for %j while soft delete is on", (retention) => {
      const vault = withProperties(hardenedVault(), { enableSoftDelete: true, softDeleteRetentionInDays: retention });
      const evaluation = evaluateFixture(vault);
      expect(evaluation.findings.find((finding) => finding.controlId === "VW-DP-002")?.status).toBe("Unknown");
      expect(evaluation.warnings).toEqual([expect.stringContaining("properties.softDeleteRetentionInDays")]);
    });

    it("accepts a string of digits, and fails soft delete that is off whatever the retention says", () => {
      expect(statusOf(withProperties(hardenedVault(), { enableSoftDelete: true, softDeleteRetentionInDays: "30" }), "VW-DP-002")).toBe("Pass");
      expect(statusOf(withProperties(hardenedVault(), { enableSoftDelete: false, softDeleteRetentionInDays: 7.5 }), "VW-DP-002")).toBe("Fail");
    });
  });

  describe("properties that is not an object", () => {
    it.each([123, "x", true, []])("makes every control that reads properties Unknown for %j, with no score and one warning", (properties) => {
      const evaluation = evaluateFixture(patched(exampleVault(), { properties }));
      const statuses = Object.fromEntries(evaluation.findings.map((finding) => [finding.controlId, finding.status]));
      for (const [control, status] of Object.entries(statuses)) {
        // The logging controls read diagnostic settings (not supplied here), not properties.
        expect(status, control).toBe(control === "VW-LOG-002" ? "NotApplicable" : "Unknown");
      }
      expect(evaluation.score).toBeNull();
      expect(evaluation.exposure.class).toBe("Unknown");
      expect(evaluation.warnings).toHaveLength(1);
    });

    it("lets the logging controls decide as usual from the diagnostic settings", () => {
      const hsm = withDiagnosticSettings(patched(exampleManagedHsm(), { properties: "oops" }), []);
      const evaluation = evaluateFixture(hsm);
      expect(evaluation.findings.find((finding) => finding.controlId === "VW-LOG-001")?.status).toBe("Fail");
      // One Fail judged: a score of 0, never a perfect score for garbage.
      expect(evaluation.score).toBe(0);
    });
  });

  describe("booleans", () => {
    it.each([true, "true", "TRUE", 1])("reads %j as true", (value) => {
      expect(statusOf(withProperties(exampleVault(), { enablePurgeProtection: value }), "VW-DP-001")).toBe("Pass");
    });

    it.each(["yes", 2, {}, "1", "on"])("reads %j as unreadable, never as the default", (value) => {
      expect(statusOf(withProperties(exampleVault(), { enablePurgeProtection: value }), "VW-DP-001")).toBe("Unknown");
    });
  });
});

describe("tags", () => {
  const waiverTag = { "vaultwatch-waiver": "VW-DP-001:2027-03-31" };

  it("are read from a JSON string, as the Resource Notifications schema types them, so waivers in them apply", () => {
    const vault = patched(exampleVault(), { tags: JSON.stringify(waiverTag) });
    expect(findingOf(vault, "VW-DP-001")?.status).toBe("Waived");
  });

  it("that cannot be read are reported, naming the resource, instead of dropped silently", () => {
    const evaluation = evaluateFixture(patched(exampleVault(), { tags: "env=prod" }));
    expect(evaluation.warnings).toEqual([expect.stringMatching(/tags should be an object.*waivers/)]);
    expect(evaluation.warnings[0]).toContain(EXAMPLE_VAULT_ID);
  });
});

describe("a waiver naming a control that does not apply to the resource", () => {
  it("is reported as a warning and changes nothing", () => {
    const vault = patched(exampleVault(), { tags: { "vaultwatch-waiver": "VW-IAM-002:2027-03-31" } });
    const evaluation = evaluateFixture(vault);
    expect(evaluation.warnings).toEqual([expect.stringContaining("VW-IAM-002")]);
    expect(evaluation.warnings[0]).toMatch(/does not apply/);
    expect(evaluation.findings.some((finding) => finding.status === "Waived")).toBe(false);
  });
});
