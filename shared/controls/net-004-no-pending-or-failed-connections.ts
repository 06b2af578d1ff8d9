import { sameText } from "../model/resource.js";
import { type Control, fail, pass, whenReadable } from "./control.js";
import { countConnectionsByStatus, describeConnection } from "./networkFacts.js";

export const noPendingOrFailedConnections: Control = {
  id: "VW-NET-004",
  title: "No private endpoint connection awaits approval or failed",
  severity: "Medium",
  appliesTo: ["vault", "managedHsm"],
  rationale: "A pending request is someone asking for private access that nobody reviewed; a failed one is broken plumbing.",
  builtInPolicies: [],
  evaluate: (resource) =>
    whenReadable({ privateEndpointConnections: resource.privateEndpointConnections }, ({ privateEndpointConnections }) => {
      const pending = privateEndpointConnections.filter((connection) => sameText(connection.status, "Pending"));
      const failed = privateEndpointConnections.filter((connection) => sameText(connection.provisioningState, "Failed"));
      const inactive = privateEndpointConnections.filter(
        (connection) => sameText(connection.status, "Rejected") || sameText(connection.status, "Disconnected"),
      );
      const evidence = {
        connectionsByStatus: countConnectionsByStatus(privateEndpointConnections),
        pending: pending.map(describeConnection),
        failed: failed.map(describeConnection),
        rejectedOrDisconnected: inactive.map(describeConnection),
      };
      if (pending.length === 0 && failed.length === 0) {
        return pass(
          privateEndpointConnections.length === 0
            ? "The resource has no private endpoint connection."
            : "No private endpoint connection is pending or failed.",
          evidence,
        );
      }
      const parts = [
        pending.length > 0 ? `${pending.length} connection(s) await approval` : undefined,
        failed.length > 0 ? `${failed.length} connection(s) failed to provision` : undefined,
      ].filter((part) => part !== undefined);
      return fail(`${parts.join(" and ")}.`, evidence);
    }),
  remediation: (resource) => {
    const target =
      resource.kind === "vault" ? `--vault-name ${resource.name}` : `--hsm-name ${resource.name}`;
    return (
      `Review each pending request: az keyvault private-endpoint-connection approve|reject ${target} ` +
      `--resource-group ${resource.resourceGroup} --name <connection>; remove failed ones: ` +
      `az keyvault private-endpoint-connection delete ${target} --resource-group ${resource.resourceGroup} --name <connection>`
    );
  },
};
