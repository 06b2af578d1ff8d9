import { type PrivateEndpointConnection, sameText } from "../model/resource.js";
import { type Control, azTargetFlags, fail, pass, whenReadable } from "./control.js";
import { shellCommand } from "./shellCommand.js";
import { countConnectionsByStatus, describeConnection } from "./networkFacts.js";

export const noPendingOrFailedConnections: Control = {
  id: "VW-NET-004",
  title: "No private endpoint connection awaits approval or failed",
  severity: "Medium",
  appliesTo: ["vault", "managedHsm"],
  rationale: "A pending request is someone asking for private access that nobody reviewed; a failed one is broken plumbing.",
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
    const connections = resource.privateEndpointConnections.known ? resource.privateEndpointConnections.value : [];
    const nameOf = (connection: PrivateEndpointConnection): string => connection.id?.split("/").at(-1) || "<connection>";
    const pending = connections.filter((connection) => sameText(connection.status, "Pending")).map(nameOf);
    const failed = connections.filter((connection) => sameText(connection.provisioningState, "Failed")).map(nameOf);
    const command = (verb: string, name: string): string =>
      shellCommand("az", "keyvault", "private-endpoint-connection", verb, ...azTargetFlags(resource), "--name", name);
    // Without a readable list of connections, one command of each kind with a placeholder.
    const known = pending.length + failed.length > 0;
    return {
      commands: [
        ...(known ? pending : ["<connection>"]).flatMap((name) => [command("approve", name), command("reject", name)]),
        ...(known ? failed : ["<connection>"]).map((name) => command("delete", name)),
      ],
      note:
        "For each pending request, run either its approve or its reject command: approve only the private endpoints you expect. " +
        "Delete connections whose provisioning failed, then recreate the private endpoint if it is still needed.",
    };
  },
};
