import { type Control, azUpdateCommand, fail, pass, whenReadable } from "./control.js";
import { publicAccessOff } from "./networkFacts.js";

export const publicNetworkAccessDisabled: Control = {
  id: "VW-NET-001",
  title: "Public network access is disabled",
  severity: "High",
  appliesTo: ["vault", "managedHsm"],
  rationale: "With public network access disabled only private endpoints (and trusted services, if allowed) reach the data plane.",
  evaluate: (resource) =>
    whenReadable({ publicNetworkAccess: resource.publicNetworkAccess }, ({ publicNetworkAccess }) => {
      const evidence = { publicNetworkAccess, defaulted: resource.publicNetworkAccess.known && resource.publicNetworkAccess.defaulted };
      const off = publicAccessOff(resource);
      if (off.known && off.value) return pass(`Public network access is ${publicNetworkAccess}.`, evidence);
      return fail(
        evidence.defaulted
          ? "publicNetworkAccess is not set, so it defaults to Enabled: the data plane is reachable from public networks."
          : `Public network access is ${publicNetworkAccess}: the data plane is reachable from public networks.`,
        evidence,
      );
    }),
  remediation: (resource) => ({
    commands: [azUpdateCommand(resource, "--public-network-access", "Disabled")],
    note: "Turns public network access off. Make sure every client reaches the resource through a private endpoint (or, for trusted Azure services, the bypass) first.",
  }),
};
