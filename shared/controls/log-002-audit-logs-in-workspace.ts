import { type Control, fail, notApplicable, pass } from "./control.js";
import { shellCommand } from "./shellCommand.js";
import { auditSettings, describeSetting } from "./auditSettings.js";

export const auditLogsReachWorkspace: Control = {
  id: "VW-LOG-002",
  title: "Audit logs reach a Log Analytics workspace",
  severity: "Low",
  appliesTo: ["vault", "managedHsm"],
  rationale: "Audit logs in Log Analytics can be queried and alerted on; in storage or Event Hubs alone they are only kept.",
  evaluate: (resource) => {
    const diagnostics = resource.diagnosticSettings;
    const collecting = diagnostics.state === "supplied" ? auditSettings(diagnostics.settings) : [];
    if (collecting.length === 0) return notApplicable("Audit logs are not collected (VW-LOG-001 does not pass).");
    const evidence = { settings: collecting.map(describeSetting) };
    const toWorkspace = collecting.filter((setting) => setting.workspaceId !== undefined);
    if (toWorkspace.length > 0) {
      return pass(`Audit logs reach a Log Analytics workspace through ${toWorkspace.map((s) => s.name ?? "(unnamed)").join(", ")}.`, evidence);
    }
    return fail("Audit logs go only to storage, Event Hubs or a partner, not to a Log Analytics workspace.", evidence);
  },
  remediation: (resource) => {
    const diagnostics = resource.diagnosticSettings;
    const settings = diagnostics.state === "supplied" ? auditSettings(diagnostics.settings) : [];
    const names = settings.map((setting) => setting.name ?? "<setting>");
    return {
      commands: (names.length > 0 ? names : ["<setting>"]).map((name) =>
        shellCommand("az", "monitor", "diagnostic-settings", "update", "--resource", resource.id, "--name", name, "--workspace", "<workspace-resource-id>"),
      ),
      note: "Adds a Log Analytics workspace (fill in its resource id) to the setting that collects the audit logs, so they can be queried and alerted on; the other destinations stay.",
    };
  },
};
