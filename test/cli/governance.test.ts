import { describe, expect, it, beforeAll } from "vitest";
import { type CliRun, ensureBuilt, fixturePath, parseCsv, runCli } from "./cliProcess.js";

/** Judged at a pinned instant, so the exception (until 2027-03-31) and the fixtures' tag waivers do not age. */
const AT = ["--at", "2026-11-24T12:00:00Z"];
const CONFIG = fixturePath("governance.config.json");
const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000";

interface Finding {
  resourceId: string;
  controlId: string;
  severity: string;
  catalogSeverity?: string;
  status: string;
  reason: string;
  waiverExpiry?: string | null;
  waivedBy?: Record<string, unknown>[];
}
interface Report {
  resources: { name: string; score: number; ignoredWaiverTag?: string }[];
  findings: Finding[];
  summary: Record<string, unknown>;
}

const runs = new Map<string, Promise<CliRun>>();
function cli(...args: string[]): Promise<CliRun> {
  const key = JSON.stringify(args);
  if (!runs.has(key)) runs.set(key, runCli(args));
  return runs.get(key) as Promise<CliRun>;
}
async function report(...extra: string[]): Promise<Report> {
  const run = await cli("evaluate", fixturePath("governance-estate.json"), ...AT, "--format", "json", ...extra);
  return JSON.parse(run.stdout) as Report;
}
const nameOf = (id: string) => id.split("/").pop();

describe.concurrent("a configuration file applied by vaultwatch evaluate", () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it("leaves a disabled control out of every resource's findings", async () => {
    const [plain, configured] = [await report(), await report("--config", CONFIG)];
    expect(plain.findings.some((finding) => finding.controlId === "VW-NET-006")).toBe(true);
    expect(configured.findings.some((finding) => finding.controlId === "VW-NET-006")).toBe(false);
    expect(configured.summary.configuration).toMatchObject({ disabledControls: ["VW-NET-006"], severityOverrides: { "VW-NET-003": "Low" } });
  });

  it("reports an overridden severity with the catalog's beside it, and weighs it so in the score", async () => {
    const configured = await report("--config", CONFIG);
    const net003 = configured.findings.filter((finding) => finding.controlId === "VW-NET-003");
    expect(net003.every((finding) => finding.severity === "Low" && finding.catalogSeverity === "Medium")).toBe(true);
    // sample-vault fails 7 controls (47 of 54 weight) without the file: 13. Without VW-NET-006 (Low) and with
    // VW-NET-003 at Low weight 2 instead of 5, it passes 7 of 49: 14.
    expect((await report()).resources.find((resource) => resource.name === "sample-vault")?.score).toBe(13);
    expect(configured.resources.find((resource) => resource.name === "sample-vault")?.score).toBe(14);
  });

  it("keeps excluded resources out of evaluation, and counts and lists them with the reason", async () => {
    const configured = await report("--config", CONFIG);
    expect(configured.resources.map((resource) => resource.name)).not.toContain("kv-sandbox");
    expect(configured.resources.map((resource) => resource.name)).not.toContain("kv-sandbox-tagged");
    expect(configured.summary.excludedResources).toEqual({
      count: 2,
      resources: [
        { resourceId: `${SUB}/resourceGroups/rg-sandbox/providers/Microsoft.KeyVault/vaults/kv-sandbox`, reason: "Sandbox subscriptions hold no production keys" },
        { resourceId: `${SUB}/resourceGroups/sample-resource-group/providers/Microsoft.KeyVault/vaults/kv-sandbox-tagged`, reason: "Tagged sandbox" },
      ],
    });
  });

  it("waives a failure inside an exception's scope, naming reason, approver, ticket and expiry", async () => {
    const configured = await report("--config", CONFIG);
    const legacy = configured.findings.find((finding) => nameOf(finding.resourceId) === "kv-legacy" && finding.controlId === "VW-NET-003");
    expect(legacy).toMatchObject({
      status: "Waived",
      waiverExpiry: "2027-03-31",
      waivedBy: [
        {
          kind: "exception",
          state: "active",
          expires: "2027-03-31",
          reason: "Legacy app cannot use private link until its 2027 rebuild",
          approvedBy: "secops@contoso.com",
          ticket: "SEC-1234",
        },
      ],
    });
    expect(legacy?.reason).toMatch(/secops@contoso\.com \(SEC-1234\)/);
    // Outside the scope the same failure stands.
    expect(configured.findings.find((finding) => nameOf(finding.resourceId) === "sample-vault" && finding.controlId === "VW-NET-003")?.status).toBe("Fail");
  });

  it("ignores the waiver tag when tag waivers are off, and counts the resource that carries one", async () => {
    const [plain, configured] = [await report(), await report("--config", CONFIG)];
    const statusIn = (r: Report) => r.findings.find((finding) => nameOf(finding.resourceId) === "kv-waived" && finding.controlId === "VW-NET-001")?.status;
    expect(statusIn(plain)).toBe("Waived");
    expect(statusIn(configured)).toBe("Fail");
    expect(configured.resources.find((resource) => resource.name === "kv-waived")?.ignoredWaiverTag).toMatch(/^VW-NET-001:2027-01-01/);
    expect(configured.summary.ignoredWaiverTags).toEqual({ count: 1, resources: [`${SUB}/resourceGroups/sample-resource-group/providers/Microsoft.KeyVault/vaults/kv-waived`] });
    expect(configured.summary.waivedBySource).toEqual({ tag: 0, exception: 1, policyExemption: 0 });
  });

  it("shows the same effects in the table, CSV and SARIF formats (a waived failure as an accepted suppression)", async () => {
    const table = await cli("evaluate", fixturePath("governance-estate.json"), ...AT, "--config", CONFIG);
    expect(table.stdout).toMatch(/disabled VW-NET-006; severity VW-NET-003 → Low; tag waivers off/);
    expect(table.stdout).toMatch(/2 resource\(s\) excluded by the configuration/);
    expect(table.stdout).toMatch(/1 resource\(s\) carry a vaultwatch-waiver tag that was ignored/);
    expect(table.stdout).toMatch(/WAIVED\n {2}VW-NET-003 kv-legacy \(Low\): waived by exception approved by secops@contoso.com \(SEC-1234\) until 2027-03-31/);
    const sarif = JSON.parse((await cli("evaluate", fixturePath("governance-estate.json"), ...AT, "--config", CONFIG, "--format", "sarif")).stdout) as {
      runs: { results: { ruleId: string; message: { text: string }; suppressions?: { kind: string; status: string; justification: string }[] }[] }[];
    };
    const suppressed = sarif.runs[0]?.results.filter((result) => result.suppressions !== undefined) ?? [];
    expect(suppressed.map((result) => [result.ruleId, result.message.text.split(":")[0]])).toEqual([["VW-NET-003", "kv-legacy"]]);
    expect(suppressed[0]?.suppressions?.[0]).toMatchObject({ kind: "external", status: "accepted", justification: expect.stringContaining("secops@contoso.com") });
    const csv = parseCsv((await cli("evaluate", fixturePath("governance-estate.json"), ...AT, "--config", CONFIG, "--format", "csv")).stdout);
    const header = csv[0] ?? [];
    const legacy = csv.find((row) => row[header.indexOf("name")] === "kv-legacy" && row[header.indexOf("controlId")] === "VW-NET-003");
    expect(legacy?.[header.indexOf("waivedBy")]).toMatch(/^exception approved by secops@contoso.com \(SEC-1234\) until 2027-03-31/);
  });

  it("refuses an invalid file with exit code 2, naming the file, each JSON path and the rule broken", async () => {
    const run = await cli("evaluate", fixturePath("governance-estate.json"), ...AT, "--config", fixturePath("governance.invalid.config.json"));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(
      'governance.invalid.config.json is not a valid vaultwatch configuration: $.controls["VW-NET-006"].enabled: expected boolean, found the string "no"; ' +
        "$.exceptions[0].approvedBy: is required (expected string)",
    );
  });

  it("refuses a configuration that is not JSON with its line and column, and a missing file", async () => {
    const notJson = await cli("evaluate", fixturePath("governance-estate.json"), "--config", fixturePath("invalid-bare-word.json"));
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/invalid-bare-word\.json: invalid JSON at line 6, column 32/);
    const missing = await cli("evaluate", fixturePath("governance-estate.json"), "--config", fixturePath("no-such.config.json"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no-such\.config\.json: no such file/);
  });
});

describe.concurrent("vaultwatch controls with mappings and a configuration", () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it("gives each control the built-ins it relates to and the compliance mappings derived from them", async () => {
    const run = await cli("controls", "--format", "json");
    expect(run.code).toBe(0);
    const controls = JSON.parse(run.stdout) as { id: string; policyDefinitionIds: string[]; mappings: { framework: string; requirement: string }[] }[];
    const byId = new Map(controls.map((control) => [control.id, control]));
    expect(byId.get("VW-DP-002")?.mappings).toContainEqual({ framework: "CIS Azure Foundations v3.0.0", requirement: "3.3.5" });
    expect(byId.get("VW-IAM-001")?.mappings).toContainEqual({ framework: "Microsoft cloud security benchmark", requirement: "PA-7" });
    expect(byId.get("VW-IAM-001")?.policyDefinitionIds).toEqual(["/providers/Microsoft.Authorization/policyDefinitions/12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5"]);
    // No built-in, no mapping: nothing is invented.
    expect(byId.get("VW-NET-006")).toMatchObject({ policyDefinitionIds: [], mappings: [] });
  });

  it("marks the controls a configuration disables and the severities it overrides", async () => {
    const run = await cli("controls", "--format", "json", "--config", CONFIG);
    const controls = JSON.parse(run.stdout) as { id: string; enabled: boolean; severity: string; catalogSeverity?: string }[];
    expect(controls.find((control) => control.id === "VW-NET-006")).toMatchObject({ enabled: false, severity: "Low" });
    expect(controls.find((control) => control.id === "VW-NET-003")).toMatchObject({ enabled: true, severity: "Low", catalogSeverity: "Medium" });
    const table = await cli("controls", "--config", CONFIG);
    expect(table.stdout).toMatch(/VW-NET-006 .*\(disabled by the configuration\)/);
  });
});

describe.concurrent("--framework on vaultwatch evaluate", () => {
  beforeAll(() => {
    ensureBuilt();
  });

  it("summarises resources passing, failing, waived and unknown for each requirement the catalog maps", async () => {
    const configured = await report("--config", CONFIG, "--framework", "cis azure foundations v3.0.0");
    const framework = configured.summary.framework as { framework: string; requirements: { requirement: string; controls: string[]; resources: Record<string, number> }[] };
    expect(framework.framework).toBe("CIS Azure Foundations v3.0.0");
    expect(framework.requirements.map((requirement) => requirement.requirement)).toEqual(["3.3.5", "3.3.6", "6.1.4"]);
    // 3.3.5 maps VW-DP-001 and VW-DP-002: kv-hardened passes both; sample-vault, hsm1 (purge protection off),
    // kv-legacy and kv-waived fail one of them.
    expect(framework.requirements[0]).toEqual({ requirement: "3.3.5", controls: ["VW-DP-001", "VW-DP-002"], resources: { passing: 1, failing: 4, waived: 0, unknown: 0 } });
    // 6.1.4 is audit logs: the fixtures carry no diagnostic settings except the hardened vault's.
    expect(framework.requirements[2]?.resources.unknown).toBeGreaterThan(0);
  });

  it("refuses a framework the catalog does not map, listing those it does", async () => {
    const run = await cli("evaluate", fixturePath("governance-estate.json"), "--framework", "SOC 2");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--framework: "SOC 2" is not a framework the catalog maps; expected one of: .*"CIS Azure Foundations v3.0.0"/);
  });

  it("carries the summary in SARIF's run properties and adds each finding's requirements to CSV", async () => {
    const sarif = JSON.parse((await cli("evaluate", fixturePath("governance-estate.json"), ...AT, "--framework", "Microsoft cloud security benchmark", "--format", "sarif")).stdout) as {
      runs: { properties?: { framework?: { framework: string } }; tool: { driver: { rules: { id: string; properties: { tags: string[] } }[] } } }[];
    };
    expect(sarif.runs[0]?.properties?.framework?.framework).toBe("Microsoft cloud security benchmark");
    expect(sarif.runs[0]?.tool.driver.rules.find((rule) => rule.id === "VW-IAM-001")?.properties.tags).toContain("Microsoft cloud security benchmark/PA-7");
    const csv = parseCsv((await cli("evaluate", fixturePath("governance-estate.json"), ...AT, "--framework", "Microsoft cloud security benchmark", "--format", "csv")).stdout);
    const header = csv[0] ?? [];
    const iam = csv.find((row) => row[header.indexOf("controlId")] === "VW-IAM-001");
    expect(iam?.[header.indexOf("requirements")]).toBe("Microsoft cloud security benchmark PA-7");
    const markdown = (await cli("evaluate", fixturePath("governance-estate.json"), ...AT, "--framework", "Microsoft cloud security benchmark", "--format", "markdown")).stdout;
    expect(markdown).toMatch(/Microsoft cloud security benchmark: resources by requirement/);
  });
});
