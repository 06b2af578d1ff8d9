import { type Control, azTargetFlags, fail, pass, whenReadable } from "./control.js";
import { shellCommand } from "./shellCommand.js";
import { countConnectionsByStatus, describeConnection, isApprovedAndProvisioned } from "./networkFacts.js";

export const approvedPrivateEndpoint: Control = {
  id: "VW-NET-003",
  title: "Reached through an approved private endpoint",
  severity: "Medium",
  appliesTo: ["vault", "managedHsm"],
  rationale: "A private endpoint keeps traffic on the Microsoft backbone and lets public access be turned off.",
  evaluate: (resource) =>
    whenReadable({ privateEndpointConnections: resource.privateEndpointConnections }, ({ privateEndpointConnections }) => {
      const approved = privateEndpointConnections.filter(isApprovedAndProvisioned);
      const evidence = {
        connectionsByStatus: countConnectionsByStatus(privateEndpointConnections),
        approvedAndProvisioned: approved.map(describeConnection),
      };
      if (approved.length > 0) {
        return pass(`${approved.length} private endpoint connection(s) are approved and provisioned.`, evidence);
      }
      return fail(
        privateEndpointConnections.length === 0
          ? "The resource has no private endpoint connection."
          : "No private endpoint connection is both approved and provisioned.",
        evidence,
      );
    }),
  remediation: (resource) => ({
    commands: [
      shellCommand(
        "az", "network", "private-endpoint", "create",
        "--name", `pe-${resource.name}`, "--resource-group", resource.resourceGroup,
        "--vnet-name", "<vnet>", "--subnet", "<subnet>",
        "--private-connection-resource-id", resource.id,
        "--group-id", resource.kind === "vault" ? "vault" : "managedhsm",
        "--connection-name", `pe-${resource.name}`,
      ),
      shellCommand("az", "keyvault", "private-endpoint-connection", "approve", ...azTargetFlags(resource), "--name", "<connection>"),
    ],
    note: "Create a private endpoint in a subnet of your virtual network (fill in the vnet and subnet). If its connection then awaits approval, approve it with the second command (the connection name is listed by az keyvault private-endpoint-connection list).",
  }),
};
