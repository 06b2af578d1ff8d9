import { sameText } from "../model/resource.js";
import { type Control, azUpdateCommand, fail, notApplicable, pass, whenReadable } from "./control.js";
import { publicAccessOff } from "./networkFacts.js";

export const firewallDeniesByDefault: Control = {
  id: "VW-NET-002",
  title: "Firewall denies by default",
  severity: "High",
  appliesTo: ["vault", "managedHsm"],
  rationale: "While public access is on, a firewall that allows by default admits every address on the internet.",
  evaluate: (resource) =>
    // Public access first: when it is off the control does not apply, whatever the firewall properties hold.
    whenReadable({ publicAccessOff: publicAccessOff(resource) }, ({ publicAccessOff: off }) => {
      if (off) return notApplicable("Public network access is off, so the firewall filters no public traffic.");
      return whenReadable({ defaultAction: resource.defaultAction }, ({ defaultAction }) => {
        const evidence = { defaultAction, defaulted: resource.defaultAction.known && resource.defaultAction.defaulted };
        if (sameText(defaultAction, "Deny")) return pass("The firewall denies traffic by default.", evidence);
        return fail(
          evidence.defaulted
            ? "No firewall default action is set, so every network is allowed."
            : `The firewall default action is ${defaultAction}: every network is allowed.`,
          evidence,
        );
      });
    }),
  remediation: (resource) => ({
    commands: [azUpdateCommand(resource, "--default-action", "Deny")],
    note: "Makes the firewall deny public traffic by default. Add IP or virtual network rules for the clients that still need public access before you switch, or turn public access off altogether (VW-NET-001).",
  }),
};
