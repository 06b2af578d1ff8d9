import { type Control, azUpdateCommand, fail, pass, whenReadable } from "./control.js";

export const purgeProtectionEnabled: Control = {
  id: "VW-DP-001",
  title: "Purge protection is enabled",
  severity: "High",
  appliesTo: ["vault", "managedHsm"],
  rationale: "Without purge protection a deleted vault or HSM, and every key in it, can be destroyed for good before retention ends.",
  evaluate: (resource) =>
    whenReadable({ enablePurgeProtection: resource.enablePurgeProtection }, ({ enablePurgeProtection }) => {
      const evidence = {
        enablePurgeProtection,
        defaulted: resource.enablePurgeProtection.known && resource.enablePurgeProtection.defaulted,
      };
      if (enablePurgeProtection) return pass("Purge protection is enabled.", evidence);
      return fail(
        evidence.defaulted ? "enablePurgeProtection is not set, so purge protection is off." : "Purge protection is disabled.",
        evidence,
      );
    }),
  remediation: (resource) => ({
    commands: [azUpdateCommand(resource, "--enable-purge-protection", "true")],
    note: "Irreversible by design: once purge protection is on, nobody can purge the resource or its objects before the retention period ends.",
  }),
};
