import { type Control, fail, pass, unknown } from "./control.js";
import { shellCommand } from "./shellCommand.js";
import { auditSettings, describeSetting, unreadableAuditEntries } from "./auditSettings.js";

export const auditLogsCollected: Control = {
  id: "VW-LOG-001",
  title: "Audit logs are collected",
  severity: "Medium",
  appliesTo: ["vault", "managedHsm"],
  rationale: "Without the AuditEvent log nobody can tell who read or changed keys, secrets and certificates.",
  evaluate: (resource) => {
    const diagnostics = resource.diagnosticSettings;
    if (diagnostics.state === "notSupplied") return unknown("Diagnostic settings were not supplied with the resource.");
    if (diagnostics.state === "unreadable") {
      return unknown(`Diagnostic settings could not be read: ${diagnostics.reason}`, { error: diagnostics.reason });
    }
    const evidence = { settings: diagnostics.settings.map(describeSetting) };
    const collecting = auditSettings(diagnostics.settings);
    if (collecting.length > 0) {
      return pass(`Audit logs are sent by ${collecting.map((setting) => setting.name ?? "(unnamed)").join(", ")}.`, evidence);
    }
    const unreadable = unreadableAuditEntries(diagnostics.settings);
    if (unreadable.length > 0) {
      return unknown(`Whether audit logs are collected could not be read: ${unreadable[0]?.problem ?? ""}.`, { ...evidence, unreadable });
    }
    return fail(
      diagnostics.settings.length === 0
        ? "The resource has no diagnostic setting, so no audit log is kept."
        : "No diagnostic setting sends the audit logs (AuditEvent, or the audit or allLogs group) to a destination.",
      evidence,
    );
  },
  remediation: (resource) => ({
    commands: [
      shellCommand(
        "az", "monitor", "diagnostic-settings", "create",
        "--resource", resource.id, "--name", "vaultwatch-audit",
        "--workspace", "<workspace-resource-id>",
        "--logs", '[{"categoryGroup":"audit","enabled":true}]',
      ),
    ],
    note: "Sends the audit log group to a Log Analytics workspace (fill in its resource id); a storage account or Event Hubs destination also satisfies this control.",
  }),
};
