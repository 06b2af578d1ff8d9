import { sameText } from "../model/resource.js";
import { type Control, fail, pass, unknown, whenReadable } from "./control.js";
import { shellCommand } from "./shellCommand.js";

export const securityDomainActivated: Control = {
  id: "VW-IAM-002",
  title: "The security domain is activated",
  severity: "Medium",
  appliesTo: ["managedHsm"],
  rationale: "Until its security domain is downloaded and activated, a Managed HSM cannot be recovered and serves no keys.",
  evaluate: (resource) =>
    whenReadable({ activationStatus: resource.securityDomainActivationStatus }, ({ activationStatus }) => {
      const evidence = { activationStatus: activationStatus ?? null };
      if (activationStatus === undefined) return unknown("securityDomainProperties.activationStatus is not reported.", evidence);
      if (sameText(activationStatus, "Active")) return pass("The security domain is active.", evidence);
      if (sameText(activationStatus, "NotActivated") || sameText(activationStatus, "Failed")) {
        return fail(`The security domain activation status is ${activationStatus}.`, evidence);
      }
      return unknown(`The security domain activation status is ${activationStatus}, which says nothing either way.`, evidence);
    }),
  remediation: (resource) => ({
    commands: [
      shellCommand(
        "az", "keyvault", "security-domain", "download", "--hsm-name", resource.name,
        "--sd-wrapping-keys", "<cert1.cer>", "<cert2.cer>", "<cert3.cer>", "--sd-quorum", "2",
        "--security-domain-file", `${resource.name}-sd.json`,
      ),
    ],
    note: "Activates the HSM by downloading its security domain, wrapped by at least three RSA public keys you hold (a quorum of two here); keep the file and the keys offline and safe.",
  }),
};
