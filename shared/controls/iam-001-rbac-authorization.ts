import { type Control, azUpdateCommand, fail, pass, whenReadable } from "./control.js";

export const rbacAuthorization: Control = {
  id: "VW-IAM-001",
  title: "Access is governed by Azure RBAC",
  severity: "Medium",
  appliesTo: ["vault"],
  rationale: "Azure RBAC gives data-plane access one auditable model with PIM and conditions; access policies do not.",
  evaluate: (resource) =>
    whenReadable({ enableRbacAuthorization: resource.enableRbacAuthorization }, ({ enableRbacAuthorization }) => {
      const evidence = {
        enableRbacAuthorization,
        defaulted: resource.enableRbacAuthorization.known && resource.enableRbacAuthorization.defaulted,
      };
      if (enableRbacAuthorization) return pass("The vault uses the Azure RBAC permission model.", evidence);
      return fail(
        evidence.defaulted
          ? "enableRbacAuthorization is not set, so the vault uses access policies."
          : "The vault uses access policies instead of Azure RBAC.",
        evidence,
      );
    }),
  remediation: (resource) => ({
    commands: [azUpdateCommand(resource, "--enable-rbac-authorization", "true")],
    note: "Grant equivalent Key Vault RBAC roles first: access policies stop applying the moment the vault switches to Azure RBAC.",
  }),
};
