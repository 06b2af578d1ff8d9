import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUILT_IN_POLICIES_FILE, generatedGovernanceFiles } from "../governance/generatedFiles.js";
import { BUILT_IN_POLICIES } from "./builtInPolicies.generated.js";
import { requirementOf, ruleResourceType } from "./builtInPolicyData.js";
import { CONTROLS, findControl } from "./catalog.js";
import { mappingsOf, requirementsOf } from "./complianceMappings.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("compliance mappings", () => {
  it("are derived from the vendored Azure Policy data: the committed table is what npm run generate writes", () => {
    const generated = generatedGovernanceFiles(ROOT).find((file) => file.path === BUILT_IN_POLICIES_FILE);
    expect(generated, "no generated built-in table").toBeDefined();
    expect(readFileSync(`${ROOT}${BUILT_IN_POLICIES_FILE}`, "utf8"), "builtInPolicies.generated.ts is stale: run npm run generate").toBe(generated?.content);
  });

  it("relate each control only to built-ins the vendored data holds, of the resource types the control applies to", () => {
    for (const control of CONTROLS) {
      for (const guid of control.builtInPolicies) {
        const builtIn = BUILT_IN_POLICIES[guid];
        expect(builtIn, `${control.id}: ${guid} is not in data/azure-policy`).toBeDefined();
        expect(control.appliesTo, `${control.id}: ${guid} evaluates ${builtIn?.resourceType}`).toContain(builtIn?.resourceKind);
      }
    }
  });

  it("map VW-DP-002 to CIS Azure Foundations v3.0.0 3.3.5 and VW-IAM-001 to Microsoft cloud security benchmark PA-7", () => {
    expect(mappingsOf(findControl("VW-DP-002")!)).toContainEqual({ framework: "CIS Azure Foundations v3.0.0", requirement: "3.3.5" });
    expect(mappingsOf(findControl("VW-IAM-001")!)).toEqual(
      expect.arrayContaining([
        { framework: "Microsoft cloud security benchmark", requirement: "PA-7" },
        { framework: "CIS Azure Foundations v3.0.0", requirement: "3.3.6" },
        { framework: "PCI DSS v4.0.1", requirement: "7.2.4" },
      ]),
    );
  });

  it("give a control with no built-in no mapping, rather than an invented one", () => {
    for (const id of ["VW-NET-004", "VW-NET-005", "VW-NET-006", "VW-NET-007", "VW-LOG-002", "VW-IAM-002"]) {
      expect(findControl(id)?.builtInPolicies, id).toEqual([]);
      expect(mappingsOf(findControl(id)!), id).toEqual([]);
    }
  });

  it("skip a membership that sits in no requirement group (purge protection in PCI DSS v4.0.1)", () => {
    expect(BUILT_IN_POLICIES["0b60c0b2-2dc2-4e1c-b5c9-abbed971de53"]?.initiatives.find((m) => m.framework === "PCI DSS v4.0.1")?.requirements).toEqual([]);
    expect(mappingsOf(findControl("VW-DP-001")!).some((mapping) => mapping.framework === "PCI DSS v4.0.1")).toBe(false);
  });

  it("read requirement ids from group names and resource types from policy rules", () => {
    expect(requirementOf("CIS_Azure_Foundations_v3.0.0_3.3.5")).toBe("3.3.5");
    expect(requirementOf("Azure_Security_Benchmark_v3.0_PA-7")).toBe("PA-7");
    expect(requirementOf("NIST_SP_800-53_R5_AU-6(4)")).toBe("AU-6(4)");
    expect(ruleResourceType({ allOf: [{ field: "type", equals: "Microsoft.KeyVault/vaults" }, { field: "x", equals: "y" }] })).toBe("Microsoft.KeyVault/vaults");
    expect(ruleResourceType({ anyOf: [{ field: "type", equals: "Microsoft.KeyVault/vaults" }] })).toBeUndefined();
  });

  it("list each framework's requirements with the controls mapped to them, by name regardless of case", () => {
    const cis = requirementsOf("cis azure foundations V3.0.0");
    expect(cis?.framework).toBe("CIS Azure Foundations v3.0.0");
    expect(Object.fromEntries(cis?.requirements ?? [])).toEqual({ "3.3.5": ["VW-DP-001", "VW-DP-002"], "3.3.6": ["VW-IAM-001"], "6.1.4": ["VW-LOG-001"] });
    expect(requirementsOf("SOC 2")).toBeUndefined();
  });
});
