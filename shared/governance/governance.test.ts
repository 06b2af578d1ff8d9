import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { NOW, evaluateFixture, findingOf } from "../../test/fixtures/evaluation.js";
import { EXAMPLE_HSM_ID, EXAMPLE_VAULT_ID, exampleManagedHsm, exampleVault, withTags } from "../../test/fixtures/resources.js";
import { CONFIG_SCHEMA_FILE, GovernanceConfigError, governanceJsonSchema, parseGovernanceConfig } from "./governanceConfig.js";
import { exclusionOf } from "./exceptions.js";
import { PolicyExemptionIndex, type PolicyRecords, resolveExemptions } from "./policyExemptions.js";
import { isWithinScope } from "./scope.js";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";
const RG = `${SUB}/resourceGroups/sample-resource-group`;

function config(document: unknown) {
  return parseGovernanceConfig(document, "vaultwatch.config.json");
}

function problemsOf(document: unknown): readonly string[] {
  try {
    config(document);
  } catch (error) {
    if (error instanceof GovernanceConfigError) return error.problems;
    throw error;
  }
  throw new Error("the configuration was accepted");
}

const exception = (overrides: Record<string, unknown> = {}) => ({
  controls: ["VW-NET-003"],
  scope: RG,
  reason: "Private link arrives with the 2027 rebuild",
  approvedBy: "secops@contoso.com",
  expires: "2027-03-31",
  ...overrides,
});

describe("the configuration file", () => {
  it("ships a JSON Schema that is exactly the one generated from the zod schema (npm run generate)", () => {
    const committed = JSON.parse(readFileSync(new URL(`../../${CONFIG_SCHEMA_FILE}`, import.meta.url), "utf8")) as unknown;
    expect(committed, `${CONFIG_SCHEMA_FILE} is stale: run npm run generate`).toEqual(governanceJsonSchema());
  });

  it("accepts the example the documentation gives, with the effects it describes", () => {
    const doc = readFileSync(new URL("../../docs/controls.md", import.meta.url), "utf8");
    const example = /## Configuration: `vaultwatch.config.json`[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example, "docs/controls.md has lost its configuration example").toBeDefined();
    const governance = config(JSON.parse(example ?? "{}"));
    expect([...governance.disabledControls]).toEqual(["VW-NET-006"]);
    expect(Object.fromEntries(governance.severityOverrides)).toEqual({ "VW-NET-003": "Low" });
    expect(governance.exceptions[0]).toMatchObject({ approvedBy: "secops@contoso.com", ticket: "SEC-1234", expires: "2027-03-31" });
    expect(governance.tagWaivers).toBe("off");
  });

  it("applies the documented defaults when it says nothing", () => {
    expect(config({})).toMatchObject({ tagWaivers: "allow", azurePolicyExemptions: "honour", exclusions: [], exceptions: [] });
  });

  it("requires reason, approver and expiry on an exception, and names each missing one by its JSON path", () => {
    expect(problemsOf({ exceptions: [{ controls: ["VW-NET-003"], scope: RG }] })).toEqual([
      "vaultwatch.config.json: $.exceptions[0].reason: is required (expected string)",
      "vaultwatch.config.json: $.exceptions[0].approvedBy: is required (expected string)",
      "vaultwatch.config.json: $.exceptions[0].expires: is required (expected string)",
    ]);
    expect(problemsOf({ exceptions: [exception({ approvedBy: "  " })] })).toEqual(["vaultwatch.config.json: $.exceptions[0].approvedBy: approvedBy must not be empty"]);
  });

  it("refuses an expiry that is not a calendar date, an unknown control and a scope that is not an ARM id", () => {
    expect(problemsOf({ exceptions: [exception({ expires: "2027-02-30" })] })).toEqual(["vaultwatch.config.json: $.exceptions[0].expires: expected a calendar date YYYY-MM-DD"]);
    expect(problemsOf({ exceptions: [exception({ controls: ["VW-NET-099"] })] })[0]).toMatch(/^vaultwatch.config.json: \$.exceptions\[0\].controls\[0\]: expected one of "VW-NET-001"/);
    expect(problemsOf({ controls: { "VW-NET-099": { enabled: false } } })[0]).toMatch(/\$.controls\["VW-NET-099"\]: "VW-NET-099" is not a vaultwatch control id/);
    expect(problemsOf({ exclude: [{ scope: "rg-sandbox", reason: "sandbox" }] })[0]).toMatch(/\$.exclude\[0\].scope: expected an ARM id that starts with \/subscriptions\//);
  });

  it("refuses unknown properties, so a misspelt setting is never silently ignored", () => {
    expect(problemsOf({ tagWaiver: "off" })).toEqual(['vaultwatch.config.json: $: unknown property "tagWaiver" (check the spelling against vaultwatch.config.schema.json)']);
    expect(problemsOf({ exclude: [{ reason: "everything" }] })).toEqual(["vaultwatch.config.json: $.exclude[0]: an exclusion needs a scope, tags, or both"]);
  });
});

describe("scopes", () => {
  it("match whole path segments, case-insensitively", () => {
    expect(isWithinScope(EXAMPLE_VAULT_ID, RG.toUpperCase())).toBe(true);
    expect(isWithinScope(EXAMPLE_VAULT_ID, SUB)).toBe(true);
    expect(isWithinScope(EXAMPLE_VAULT_ID, EXAMPLE_VAULT_ID)).toBe(true);
    expect(isWithinScope(EXAMPLE_VAULT_ID, `${SUB}/resourceGroups/sample-resource`)).toBe(false);
    expect(isWithinScope(RG, EXAMPLE_VAULT_ID)).toBe(false);
  });
});

describe("exclusions", () => {
  it("match by scope, by tags (names case-insensitive, values exact), or both", () => {
    const governance = config({
      exclude: [
        { scope: `${SUB}/resourceGroups/hsm-group`, reason: "HSM lab" },
        { tags: { env: "sandbox" }, reason: "sandbox" },
      ],
    });
    expect(exclusionOf({ id: EXAMPLE_HSM_ID, tags: {} }, governance)?.reason).toBe("HSM lab");
    expect(exclusionOf({ id: EXAMPLE_VAULT_ID, tags: { Env: "sandbox" } }, governance)?.reason).toBe("sandbox");
    expect(exclusionOf({ id: EXAMPLE_VAULT_ID, tags: { env: "Sandbox" } }, governance)).toBeUndefined();
  });
});

describe("configured exceptions", () => {
  it("turn Fail into Waived inside their scope until the end of the expiry day in UTC, and leave other statuses alone", () => {
    const governance = config({ exceptions: [exception({ controls: ["VW-NET-003", "VW-LOG-001"], ticket: "SEC-1234" })] });
    expect(findingOf(exampleVault(), "VW-NET-003", { governance })).toMatchObject({
      status: "Waived",
      waiver: { state: "active", expires: "2027-03-31", sources: [{ kind: "exception", approvedBy: "secops@contoso.com", ticket: "SEC-1234" }] },
    });
    expect(findingOf(exampleVault(), "VW-NET-003", { governance, now: new Date("2027-03-31T23:59:59.999Z") })?.status).toBe("Waived");
    const expired = findingOf(exampleVault(), "VW-NET-003", { governance, now: new Date("2027-04-01T00:00:00Z") });
    expect(expired?.status).toBe("Fail");
    expect(expired?.reason).toMatch(/Expired: exception approved by secops@contoso.com \(SEC-1234\) which expired on 2027-03-31/);
    // VW-LOG-001 is Unknown (no diagnostic settings supplied): an exception never hides what could not be read.
    expect(findingOf(exampleVault(), "VW-LOG-001", { governance })?.status).toBe("Unknown");
    expect(findingOf(exampleManagedHsm(), "VW-NET-003", { governance })?.status).toBe("Fail");
  });

  it("combine with a tag waiver: the finding names both and stays Waived until the last one ends", () => {
    const governance = config({ exceptions: [exception()] });
    const tagged = withTags(exampleVault(), { "vaultwatch-waiver": "VW-NET-003:2026-12-31" });
    const both = findingOf(tagged, "VW-NET-003", { governance });
    expect(both?.waiver?.sources.map((source) => source.kind)).toEqual(["tag", "exception"]);
    expect(both?.waiver?.expires).toBe("2027-03-31");
    const afterTag = findingOf(tagged, "VW-NET-003", { governance, now: new Date("2027-01-15T00:00:00Z") });
    expect(afterTag).toMatchObject({ status: "Waived", waiver: { state: "active", expires: "2027-03-31" } });
    expect(afterTag?.waiver?.sources.map((source) => source.state)).toEqual(["expired", "active"]);
  });

  it("weigh an overridden severity in the score and leave a disabled control out", () => {
    expect(evaluateFixture(exampleVault()).score).toBe(13);
    const governance = config({ controls: { "VW-NET-006": { enabled: false }, "VW-NET-003": { severity: "Low" } } });
    const evaluation = evaluateFixture(exampleVault(), { governance });
    expect(evaluation.findings.map((finding) => finding.controlId)).not.toContain("VW-NET-006");
    expect(evaluation.findings.find((finding) => finding.controlId === "VW-NET-003")).toMatchObject({ severity: "Low", catalogSeverity: "Medium" });
    expect(evaluation.score).toBe(14);
  });
});

describe("Azure Policy exemptions", () => {
  const assignment = `${SUB}/providers/Microsoft.Authorization/policyAssignments/kv-rbac`;
  const records = (exemption: Record<string, unknown>, extra: Partial<PolicyRecords> = {}): PolicyRecords => ({
    exemptions: [
      {
        id: `${RG}/providers/Microsoft.Authorization/policyExemptions/rbac-later`,
        name: "rbac-later",
        policyAssignmentId: assignment,
        policyDefinitionReferenceIds: [],
        exemptionCategory: "Waiver",
        hasResourceSelectors: false,
        ...exemption,
      },
    ],
    assignments: [{ id: assignment, policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5", notScopes: [] }],
    setDefinitions: [],
    ...extra,
  });
  const indexOf = (input: PolicyRecords) => new PolicyExemptionIndex(resolveExemptions(input).exemptions);

  it("waive the related control of resources in the exemption's scope, with category, name and expiry", () => {
    const policyExemptions = indexOf(records({ expiresOn: "2027-06-30T00:00:00Z" }));
    expect(findingOf(exampleVault(), "VW-IAM-001", { policyExemptions })).toMatchObject({
      status: "Waived",
      waiver: { state: "active", expires: "2027-06-30T00:00:00.000Z", sources: [{ kind: "policyExemption", category: "Waiver", name: "rbac-later" }] },
    });
    expect(findingOf(exampleVault(), "VW-NET-001", { policyExemptions })?.status).toBe("Fail");
    const expired = findingOf(exampleVault(), "VW-IAM-001", { policyExemptions, now: new Date("2027-06-30T00:00:00Z") });
    expect(expired?.status).toBe("Fail");
    expect(expired?.reason).toMatch(/Azure Policy exemption rbac-later \(Waiver\) which expired on 2027-06-30/);
  });

  it("are not honoured when the configuration ignores them", () => {
    const policyExemptions = indexOf(records({}));
    expect(findingOf(exampleVault(), "VW-IAM-001", { policyExemptions, governance: config({ azurePolicyExemptions: "ignore" }) })?.status).toBe("Fail");
  });

  it("of an initiative count only for the members their reference ids name", () => {
    const initiative = `${SUB}/providers/Microsoft.Authorization/policySetDefinitions/kv-baseline`;
    const setDefinitions = [
      {
        id: initiative,
        policyDefinitions: [
          { policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5", policyDefinitionReferenceId: "rbac" },
          { policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", policyDefinitionReferenceId: "purge" },
        ],
      },
    ];
    const assignments = [{ id: assignment, policyDefinitionId: initiative, notScopes: [] }];
    const onlyPurge = indexOf(records({ policyDefinitionReferenceIds: ["PURGE"] }, { assignments, setDefinitions }));
    expect(findingOf(exampleVault(), "VW-DP-001", { policyExemptions: onlyPurge })?.status).toBe("Waived");
    expect(findingOf(exampleVault(), "VW-IAM-001", { policyExemptions: onlyPurge })?.status).toBe("Fail");
    const whole = indexOf(records({}, { assignments, setDefinitions }));
    expect(findingOf(exampleVault(), "VW-IAM-001", { policyExemptions: whole })?.status).toBe("Waived");
  });

  it("apply a built-in only to the resource type it evaluates, and never inside the assignment's notScopes", () => {
    const publicAccess = [{ id: assignment, policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/405c5871-3e91-4644-8a63-58e19d68ff5b", notScopes: [] }];
    const subscriptionWide = indexOf(records({ id: `${SUB}/providers/Microsoft.Authorization/policyExemptions/all` }, { assignments: publicAccess }));
    expect(findingOf(exampleVault(), "VW-NET-001", { policyExemptions: subscriptionWide })?.status).toBe("Waived");
    // 405c5871 evaluates vaults; the HSM's public access is its own built-in (19ea9d63).
    expect(findingOf(exampleManagedHsm(), "VW-NET-001", { policyExemptions: subscriptionWide })?.status).toBe("Fail");
    const excluded = indexOf(records({ id: `${SUB}/providers/Microsoft.Authorization/policyExemptions/all` }, { assignments: [{ ...publicAccess[0]!, notScopes: [RG] }] }));
    expect(findingOf(exampleVault(), "VW-NET-001", { policyExemptions: excluded })?.status).toBe("Fail");
  });

  it("scoped to a management group cover the resources of the subscriptions below it", () => {
    const id = "/providers/Microsoft.Management/managementGroups/corp/providers/Microsoft.Authorization/policyExemptions/corp-rbac";
    const below = PolicyExemptionIndex.of(resolveExemptions({ ...records({ id }), subscriptionAncestors: new Map([["00000000-0000-0000-0000-000000000000", ["Corp", "root"]]]) }));
    expect(findingOf(exampleVault(), "VW-IAM-001", { policyExemptions: below })?.status).toBe("Waived");
    const elsewhere = PolicyExemptionIndex.of(resolveExemptions({ ...records({ id }), subscriptionAncestors: new Map([["00000000-0000-0000-0000-000000000000", ["online", "root"]]]) }));
    expect(findingOf(exampleVault(), "VW-IAM-001", { policyExemptions: elsewhere })?.status).toBe("Fail");
  });

  it("are reported, not honoured, when vaultwatch cannot judge them (resource selectors, management groups not read)", () => {
    const withSelectors = resolveExemptions(records({ hasResourceSelectors: true }));
    expect(withSelectors.exemptions).toEqual([]);
    expect(withSelectors.warnings[0]).toMatch(/rbac-later is not honoured: it is narrowed by resource selectors/);
    const atGroup = resolveExemptions(records({ id: "/providers/Microsoft.Management/managementGroups/corp/providers/Microsoft.Authorization/policyExemptions/x" }));
    expect(atGroup.warnings[0]).toMatch(/scoped to a management group/);
  });

  it("of an assignment that is not of a related built-in change nothing", () => {
    const other = indexOf(records({}, { assignments: [{ id: assignment, policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/0e6763cc-5078-4e64-889d-ff4d9a839047", notScopes: [] }] }));
    expect(other.size).toBe(0);
    expect(evaluateFixture(exampleVault(), { policyExemptions: other, now: NOW }).score).toBe(13);
  });
});
