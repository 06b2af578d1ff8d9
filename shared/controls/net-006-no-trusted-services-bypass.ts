import { sameText } from "../model/resource.js";
import { type Control, azUpdateCommand, fail, pass, whenReadable } from "./control.js";
import { securedByPerimeter } from "./networkFacts.js";

export const noTrustedServicesBypass: Control = {
  id: "VW-NET-006",
  title: "Trusted Azure services do not bypass the firewall",
  severity: "Low",
  appliesTo: ["vault", "managedHsm"],
  rationale: "The trusted-services bypass admits a broad set of Azure services even when public access is disabled.",
  evaluate: (resource) => {
    if (securedByPerimeter(resource)) {
      return pass("A network security perimeter governs public traffic and forbids the trusted-services bypass.", {
        publicNetworkAccess: "SecuredByPerimeter",
      });
    }
    return whenReadable({ bypass: resource.bypass }, ({ bypass }) => {
      const evidence = { bypass, defaulted: resource.bypass.known && resource.bypass.defaulted };
      if (sameText(bypass, "None")) return pass("Trusted Azure services cannot bypass the firewall.", evidence);
      return fail(
        evidence.defaulted
          ? "networkAcls.bypass is not set, so it defaults to AzureServices: trusted Azure services pass the firewall, even with public access disabled."
          : `networkAcls.bypass is ${bypass}: trusted Azure services pass the firewall, even with public access disabled.`,
        evidence,
      );
    });
  },
  remediation: (resource) => ({
    commands: [azUpdateCommand(resource, "--bypass", "None")],
    note: "Stops trusted Azure services from passing the firewall. Check first that no trusted-service scenario (backup, disk encryption, App Service certificates…) relies on the bypass.",
  }),
};
