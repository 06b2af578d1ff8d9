import { type Control, azUpdateCommand, fail, pass, whenReadable } from "./control.js";
import { shellCommand } from "./shellCommand.js";

export const SOFT_DELETE_RETENTION_DAYS = { min: 7, max: 90 } as const;

export const softDeleteEnabled: Control = {
  id: "VW-DP-002",
  title: "Soft delete is enabled with a valid retention",
  severity: "Medium",
  appliesTo: ["vault", "managedHsm"],
  rationale: "Soft delete keeps deleted objects recoverable for the retention period.",
  evaluate: (resource) =>
    // Soft delete first: when it is off the control fails, whatever the retention reads.
    whenReadable({ enableSoftDelete: resource.enableSoftDelete }, ({ enableSoftDelete }) => {
      const retention = resource.softDeleteRetentionInDays;
      if (!enableSoftDelete) {
        const defaulted = resource.enableSoftDelete.known && resource.enableSoftDelete.defaulted;
        return fail(defaulted ? "enableSoftDelete is not set, so soft delete is off." : "Soft delete is disabled.", {
          enableSoftDelete,
          softDeleteRetentionInDays: retention.known ? retention.value : null,
          retentionDefaulted: retention.known && retention.defaulted,
        });
      }
      return whenReadable({ softDeleteRetentionInDays: retention }, ({ softDeleteRetentionInDays }) => {
        const evidence = { enableSoftDelete, softDeleteRetentionInDays, retentionDefaulted: retention.known && retention.defaulted };
        const { min, max } = SOFT_DELETE_RETENTION_DAYS;
        if (softDeleteRetentionInDays < min || softDeleteRetentionInDays > max) {
          return fail(`Soft delete retention is ${softDeleteRetentionInDays} days, outside ${min}–${max}.`, evidence);
        }
        return pass(`Soft delete is enabled with ${softDeleteRetentionInDays} days of retention.`, evidence);
      });
    }),
  remediation: (resource) =>
    resource.kind === "vault"
      ? {
          commands: [shellCommand("az", "resource", "update", "--ids", resource.id, "--set", "properties.enableSoftDelete=true", "properties.softDeleteRetentionInDays=90")],
          note: "Current vaults always have soft delete; a legacy vault without it gets it (with 90 days of retention, the maximum) from this command. The retention cannot be changed once set.",
        }
      : {
          commands: [azUpdateCommand(resource, "--set", "properties.enableSoftDelete=true", "properties.softDeleteRetentionInDays=90")],
          note: "Turns soft delete on with 90 days of retention (7–90 allowed).",
        },
};
