import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Log } from "sarif";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, type CliRun, ensureBuilt, fixturePath, parseCsv, runCli } from "./cliProcess.js";

/**
 * These tests start the real binary, which costs over a second of CPU per start here, so each invocation runs
 * once (shared by the tests that read it) and the tests run concurrently. Input parsing in all its shapes is
 * covered in-process by input.test.ts.
 */
const runs = new Map<string, Promise<CliRun>>();
function cli(args: readonly string[], stdin?: string): Promise<CliRun> {
  const key = JSON.stringify([args, stdin]);
  let run = runs.get(key);
  if (run === undefined) {
    run = runCli(args, stdin);
    runs.set(key, run);
  }
  return run;
}

/** Waivers in the fixtures are judged at this instant, so results do not change with the calendar. */
const AT = ["--at", "2026-11-24T12:00:00Z"];

function evaluate(file: string, ...options: string[]): Promise<CliRun> {
  return cli(["evaluate", fixturePath(file), ...AT, ...options]);
}

interface JsonReport {
  resources: { resourceId: string; resourceType: string; name: string; subscriptionId: string; resourceGroup: string; location: string; score: number }[];
  findings: { resourceId: string; controlId: string; title: string; severity: string; status: string; reason: string; evidence: unknown; remediation?: { commands: string[]; note: string } }[];
}

async function jsonReport(run: Promise<CliRun>): Promise<JsonReport> {
  return JSON.parse((await run).stdout) as JsonReport;
}

function statusesByName(report: JsonReport): Record<string, Record<string, string>> {
  const names = new Map(report.resources.map((resource) => [resource.resourceId, resource.name]));
  const byName: Record<string, Record<string, string>> = {};
  for (const finding of report.findings) {
    const name = names.get(finding.resourceId) ?? `unknown resource ${finding.resourceId}`;
    (byName[name] ??= {})[finding.controlId] = finding.status;
  }
  return byName;
}

const CONTROL_IDS = [
  "VW-NET-001",
  "VW-NET-002",
  "VW-NET-003",
  "VW-NET-004",
  "VW-NET-005",
  "VW-NET-006",
  "VW-NET-007",
  "VW-DP-001",
  "VW-DP-002",
  "VW-LOG-001",
  "VW-LOG-002",
  "VW-IAM-001",
  "VW-IAM-002",
];

const HARDENED = {
  "VW-NET-001": "Pass",
  "VW-NET-002": "NotApplicable",
  "VW-NET-003": "Pass",
  "VW-NET-004": "Pass",
  "VW-NET-005": "NotApplicable",
  "VW-NET-006": "Pass",
  "VW-NET-007": "NotApplicable",
  "VW-DP-001": "Pass",
  "VW-DP-002": "Pass",
  "VW-LOG-001": "Pass",
  "VW-LOG-002": "Pass",
};

const REFERENCE_VAULT = {
  "VW-NET-001": "Fail",
  "VW-NET-002": "Fail",
  "VW-NET-003": "Fail",
  "VW-NET-004": "Pass",
  "VW-NET-005": "NotApplicable",
  "VW-NET-006": "Fail",
  "VW-NET-007": "Pass",
  "VW-DP-001": "Fail",
  "VW-DP-002": "Fail",
  "VW-LOG-001": "Unknown",
  "VW-LOG-002": "NotApplicable",
  "VW-IAM-001": "Fail",
};

const { "VW-IAM-001": _vaultOnly, ...REFERENCE_VAULT_WITHOUT_RBAC } = REFERENCE_VAULT;
const REFERENCE_HSM = { ...REFERENCE_VAULT_WITHOUT_RBAC, "VW-DP-002": "Pass", "VW-IAM-002": "Unknown" };

describe.concurrent("vaultwatch evaluate", () => {
  let scratch: string;

  beforeAll(async () => {
    await ensureBuilt();
    scratch = mkdtempSync(join(tmpdir(), "vaultwatch-cli-test-"));
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe("--format json", () => {
    it("prints every resource with its score and one finding per applicable control, every status included", async () => {
      const run = await evaluate("estate.arm-list.json", "--format", "json");
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.resources.map((resource) => [resource.name, resource.score])).toEqual([
        ["kv-hardened", 100],
        ["sample-vault", 13],
        ["hsm1", 24],
        ["hsm-hardened", 100],
        ["vault-acls", 27],
      ]);
      expect(statusesByName(report)).toEqual({
        "kv-hardened": { ...HARDENED, "VW-IAM-001": "Pass" },
        "sample-vault": REFERENCE_VAULT,
        hsm1: REFERENCE_HSM,
        "hsm-hardened": { ...HARDENED, "VW-IAM-002": "Pass" },
        "vault-acls": { ...REFERENCE_VAULT, "VW-NET-002": "Pass", "VW-NET-005": "Fail" },
      });
      expect(report.findings).toHaveLength(60);
    });

    it("describes each resource and each finding with the documented fields", async () => {
      const report = await jsonReport(evaluate("estate.arm-list.json", "--format", "json"));
      expect(report.resources[2]).toMatchObject({
        resourceId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hsm-group/providers/Microsoft.KeyVault/managedHSMs/hsm1",
        resourceType: "Microsoft.KeyVault/managedHSMs",
        name: "hsm1",
        subscriptionId: "00000000-0000-0000-0000-000000000000",
        resourceGroup: "hsm-group",
        location: "westus",
        score: 24,
      });
      const finding = report.findings.find((item) => item.controlId === "VW-DP-001" && item.resourceId.endsWith("/hsm1"));
      expect(finding).toMatchObject({
        title: "Purge protection is enabled",
        severity: "High",
        status: "Fail",
        evidence: { enablePurgeProtection: false },
      });
      expect(finding?.reason.length).toBeGreaterThan(0);
      expect(finding?.remediation?.commands).toEqual([
        "az keyvault update-hsm --hsm-name hsm1 --resource-group hsm-group --enable-purge-protection true",
      ]);
      expect(finding?.remediation?.note).toMatch(/Irreversible/);
      // Nothing to fix on a control that is not failing.
      for (const other of report.findings.filter((item) => item.status !== "Fail" && item.status !== "Waived")) {
        expect(other.remediation).toBeUndefined();
      }
    });

    it("states the tool and schema versions and the evaluation time, and carries each resource's tags", async () => {
      const report = (await jsonReport(evaluate("estate.arm-list.json", "--format", "json"))) as JsonReport & Record<string, unknown>;
      expect(report).toMatchObject({ tool: { name: "vaultwatch", version: expect.stringMatching(/^\d+\.\d+\.\d+/) }, schemaVersion: "2", evaluatedAt: "2026-11-24T12:00:00.000Z" });
      expect(Date.parse(String(report.generatedAt))).toBeGreaterThan(Date.parse("2026-01-01"));
      expect(report.resources.find((resource) => resource.name === "hsm1")).toMatchObject({ tags: { Dept: "hsm", Environment: "dogfood" }, subscriptionName: null });
      expect(report.resources.find((resource) => resource.name === "sample-vault")).toMatchObject({ tags: {} });
    });

    it("reads a Resource Graph response, counting the items of other types in a warning", async () => {
      const run = await evaluate("estate.resource-graph.json", "--format", "json");
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.resources.map((resource) => [resource.name, resource.resourceType, resource.resourceGroup, resource.score])).toEqual([
        ["sample-vault", "Microsoft.KeyVault/vaults", "sample-resource-group", 13],
        // Resource Graph holds no diagnostic settings: the logging controls are Unknown and out of the score.
        ["hsm-hardened", "Microsoft.KeyVault/managedHSMs", "hsm-group", 100],
      ]);
      expect(statusesByName(report)["hsm-hardened"]).toMatchObject({ "VW-LOG-001": "Unknown", "VW-LOG-002": "NotApplicable" });
      expect(run.stderr).toContain(
        "warning: skipped 1 item(s) that are not Key Vault vaults or Managed HSMs (microsoft.storage/storageaccounts ×1)",
      );
    });
  });

  describe("--format table (the default)", () => {
    it("prints the summary first, then one line per resource worst first, then each failure saying what is wrong before what was expected", async () => {
      const run = await evaluate("estate.arm-list.json");
      expect(run.code).toBe(1);
      const lines = run.stdout.split("\n");
      expect(lines[0]).toBe("5 resources (3 vaults, 2 managed HSMs), estate score 53. Failures: 9 high, 7 medium, 3 low; 4 unknown, 0 waived.");
      expect(lines[2]).toMatch(/^SCORE\s+TYPE\s+EXPOSURE\s+NAME\s+RESOURCE GROUP\s+FAILING CONTROLS$/);
      expect(lines[3]).toMatch(
        /^13\s+vault\s+Internet\s+sample-vault\s+sample-resource-group\s+VW-NET-001 VW-NET-002 VW-NET-003 VW-NET-006 VW-DP-001 VW-DP-002 VW-IAM-001 · admitted by: all networks; trusted Azure services$/,
      );
      expect(lines[4]).toMatch(/^24\s+hsm\s+Internet\s+hsm1\s+hsm-group\s+VW-NET-001 VW-NET-002 VW-NET-003 VW-NET-006 VW-DP-001 · admitted by: all networks; trusted Azure services$/);
      expect(lines[5]).toMatch(/^27\s+vault\s+PublicRestricted\s+vault-acls\s/);
      expect(lines[6]).toMatch(/^100\s+hsm\s+PrivateOnly\s+hsm-hardened\s/);
      expect(lines[7]).toMatch(/^100\s+vault\s+PrivateOnly\s+kv-hardened\s+sample-resource-group\s+- · admitted by: private endpoint sample-pe$/);
      const purge = lines.findIndex((line) => line.startsWith("[High] hsm1: ") && lines[lines.indexOf(line) + 1]?.includes("(VW-DP-001)"));
      expect(lines[purge + 1]).toBe("  expected: Purge protection is enabled (VW-DP-001)");
      // The note in words, then each command alone on its own line, ready to paste.
      expect(lines[purge + 2]).toMatch(/^ {2}fix: Irreversible by design/);
      expect(lines[purge + 3]).toBe("    az keyvault update-hsm --hsm-name hsm1 --resource-group hsm-group --enable-purge-protection true");
      expect(run.stdout.indexOf("[High] sample-vault:")).toBeLessThan(run.stdout.indexOf("[High] hsm1:"));
      expect(run.stdout).not.toContain("\u001b[");
      expect(run.stderr).toBe("");
    });
  });

  describe("--format csv", () => {
    it("prints a header and one row per finding that parse as CSV", async () => {
      const run = await evaluate("estate.arm-list.json", "--format", "csv");
      expect(run.code).toBe(1);
      const [header = [], ...rows] = parseCsv(run.stdout);
      expect(header).toEqual(expect.arrayContaining(["resourceId", "name", "score", "controlId", "severity", "status", "reason", "remediationNote", "remediationCommands"]));
      expect(rows).toHaveLength(60);
      for (const row of rows) expect(row).toHaveLength(header.length);
      const column = (name: string) => header.indexOf(name);
      const hsmPurge = rows.find((row) => row[column("name")] === "hsm1" && row[column("controlId")] === "VW-DP-001");
      expect(hsmPurge?.[column("status")]).toBe("Fail");
      expect(hsmPurge?.[column("score")]).toBe("24");
      expect(hsmPurge?.[column("remediationCommands")]).toBe("az keyvault update-hsm --hsm-name hsm1 --resource-group hsm-group --enable-purge-protection true");
      expect(hsmPurge?.[column("remediationNote")]).toMatch(/^Irreversible/);
      const vaultStatuses = rows.filter((row) => row[column("name")] === "sample-vault").map((row) => row[column("status")]);
      expect(vaultStatuses).toEqual(Object.values(REFERENCE_VAULT));
      expect(header).toEqual(expect.arrayContaining(["subscriptionId", "subscriptionName", "tags", "evaluatedAt", "toolVersion", "schemaVersion"]));
      expect(JSON.parse(hsmPurge?.[column("tags")] ?? "null")).toEqual({ Dept: "hsm", Environment: "dogfood" });
      expect(hsmPurge?.[column("evaluatedAt")]).toBe("2026-11-24T12:00:00.000Z");
      expect(hsmPurge?.[column("schemaVersion")]).toBe("2");
    });
  });

  describe("--format sarif", () => {
    it("prints valid SARIF 2.1.0: one rule per control, one result per Fail, each pointing at its rule", async () => {
      const run = await evaluate("estate.arm-list.json", "--format", "sarif");
      expect(run.code).toBe(1);
      const log = JSON.parse(run.stdout) as Log;
      expect(log.version).toBe("2.1.0");
      expect(log.$schema).toMatch(/sarif-2\.1\.0/);
      expect(log.runs).toHaveLength(1);
      const rules = log.runs[0]?.tool.driver.rules ?? [];
      expect(rules.map((rule) => rule.id)).toEqual(CONTROL_IDS);
      expect(log.runs[0]?.tool.driver.name).toBe("vaultwatch");

      const failures = (await jsonReport(evaluate("estate.arm-list.json", "--format", "json"))).findings.filter(
        (finding) => finding.status === "Fail",
      );
      const results = log.runs[0]?.results ?? [];
      expect(results.map((result) => `${result.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName}|${result.ruleId}`)).toEqual(
        failures.map((finding) => `${finding.resourceId}|${finding.controlId}`),
      );
      const levels: Record<string, string> = { High: "error", Medium: "warning", Low: "note" };
      results.forEach((result, index) => {
        expect(rules[result.ruleIndex ?? -1]?.id).toBe(result.ruleId);
        expect(result.level).toBe(levels[failures[index]?.severity ?? ""]);
        expect(result.message.text?.length).toBeGreaterThan(0);
      });
    });
  });

  describe("--format markdown", () => {
    it("prints the summary, then the resources worst first, then each failure with its fix", async () => {
      const run = await evaluate("estate.arm-list.json", "--format", "markdown");
      expect(run.code).toBe(1);
      const tableRows = run.stdout.split("\n").filter((line) => line.startsWith("| ") && line.includes(" | vault | ") || line.includes(" | hsm | "));
      expect(tableRows).toEqual([
        "| sample-vault | 00000000-0000-0000-0000-000000000000 | vault | 13 | Internet | all networks; trusted Azure services | VW-NET-001, VW-NET-002, VW-NET-003, VW-NET-006, VW-DP-001, VW-DP-002, VW-IAM-001 |",
        "| hsm1 | 00000000-0000-0000-0000-000000000000 | hsm | 24 | Internet | all networks; trusted Azure services | VW-NET-001, VW-NET-002, VW-NET-003, VW-NET-006, VW-DP-001 |",
        "| vault-acls | 00000000-0000-0000-0000-000000000000 | vault | 27 | PublicRestricted | IP 124.56.78.91/32 (1 address); subnet test-vnet/subnets/subnet1; trusted Azure services | VW-NET-001, VW-NET-003, VW-NET-005, VW-NET-006, VW-DP-001, VW-DP-002, VW-IAM-001 |",
        "| hsm-hardened | 00000000-0000-0000-0000-000000000000 | hsm | 100 | PrivateOnly | private endpoint sample-pe1 | none |",
        "| kv-hardened | 00000000-0000-0000-0000-000000000000 | vault | 100 | PrivateOnly | private endpoint sample-pe | none |",
      ]);
      expect(run.stdout.indexOf("**5 resources**")).toBeLessThan(run.stdout.indexOf("## Resources, worst first"));
      expect(run.stdout).toContain("### hsm1 (score 24, Internet)");
      expect(run.stdout).toContain("Expected: Purge protection is enabled (VW-DP-001).");
      expect(run.stdout).toMatch(/Irreversible by design[^\n]*\n\n```sh\naz keyvault update-hsm --hsm-name hsm1 --resource-group hsm-group --enable-purge-protection true\n```\n/);
    });
  });

  describe("--output", () => {
    it("writes the report to the file instead of standard output", async () => {
      const target = join(scratch, "report.sarif");
      const run = await evaluate("compliant.json", "--format", "sarif", "--output", target);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe("");
      const log = JSON.parse(readFileSync(target, "utf8")) as Log;
      expect(log.version).toBe("2.1.0");
      expect(log.runs[0]?.tool.driver.rules).toHaveLength(13);
      expect(log.runs[0]?.results).toEqual([]);
    });

    it("exits 2, naming the path, when the file cannot be written", async () => {
      const run = await evaluate("compliant.json", "--output", join(scratch, "missing-directory", "report.txt"));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("missing-directory");
    });
  });

  describe("exit codes and --fail-on", () => {
    it("exits 1 on a Low failure by default (--fail-on low)", async () => {
      expect((await evaluate("low-failure-only.json")).code).toBe(1);
    });

    it("exits 0 with --fail-on medium when the only failure is Low", async () => {
      expect((await evaluate("low-failure-only.json", "--fail-on", "medium")).code).toBe(0);
    });

    it("exits 1 with --fail-on medium for a Medium failure", async () => {
      expect((await evaluate("medium-and-low-failures.json", "--fail-on", "medium")).code).toBe(1);
    });

    it("exits 0 with --fail-on high when the failures are Medium and Low", async () => {
      expect((await evaluate("medium-and-low-failures.json", "--fail-on", "high")).code).toBe(0);
    });

    it("does not count waived failures while the waivers last, through their last day", async () => {
      const run = await cli(["evaluate", fixturePath("waived.json"), "--at", "2027-01-01T23:59:59Z", "--format", "json"]);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.findings.filter((finding) => finding.status === "Waived")).toHaveLength(7);
      expect(report.resources[0]?.score).toBe(100);
      expect(run.stderr).toContain('Ignored waiver "VW-LOG-001:someday"');
    });

    it("counts the failures again once the waivers expire", async () => {
      const run = await cli(["evaluate", fixturePath("waived.json"), "--at", "2027-01-02T00:00:00Z", "--format", "json"]);
      expect(run.code).toBe(1);
      expect((JSON.parse(run.stdout) as JsonReport).resources[0]?.score).toBe(13);
    });
  });

  describe("input", () => {
    it("reads standard input for -, here a Resource Notifications payload with 1/0 booleans", async () => {
      const run = await cli(["evaluate", "-", ...AT, "--format", "json"], readFileSync(fixturePath("hsm.resource-notification.json"), "utf8"));
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.resources.map((resource) => [resource.name, resource.score])).toEqual([["hsm-notified", 90]]);
      expect(statusesByName(report)["hsm-notified"]).toMatchObject({ "VW-DP-001": "Pass", "VW-DP-002": "Fail", "VW-IAM-002": "Pass" });
    });

    it("reports a malformed item and skips it, and still evaluates the rest", async () => {
      const run = await evaluate("with-malformed-items.json", "--format", "json");
      expect(run.code).toBe(1);
      expect((JSON.parse(run.stdout) as JsonReport).resources.map((resource) => [resource.name, resource.score])).toEqual([
        ["kv-kept", 13],
        ["hsm-kept", 24],
      ]);
      expect(run.stderr).toContain("skipped malformed item 0: resource has no id");
      expect(run.stderr).toMatch(/skipped malformed item 2: resource \S+\/no-type has no type/);
      expect(run.stderr).toContain("skipped malformed item 4: item is not a JSON object");
      expect(run.stderr).toContain("skipped 1 item(s) that are not Key Vault vaults or Managed HSMs (microsoft.storage/storageaccounts ×1)");
    });

    it("exits 2 for a missing file, naming it, and prints no report", async () => {
      const run = await cli(["evaluate", "test/fixtures/cli/does-not-exist.json"]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe("vaultwatch: test/fixtures/cli/does-not-exist.json: no such file\n");
      expect(run.stdout).toBe("");
    });

    it("exits 2 for invalid JSON, with the line and column of the error", async () => {
      const run = await evaluate("invalid-missing-comma.json");
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("invalid-missing-comma.json: invalid JSON at line 5, column 5");
      expect(run.stdout).toBe("");
    });

    it("locates an unexpected bare word on standard input, which the JSON parser reports without a position", async () => {
      const run = await cli(["evaluate", "-"], readFileSync(fixturePath("invalid-bare-word.json"), "utf8"));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("standard input: invalid JSON at line 6, column 32");
    });

    it("exits 2 for a document of the wrong shape, saying what it expected and what it found", async () => {
      const run = await evaluate("wrong-shape.json");
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        'expected a JSON array of resources, an ARM list ({ "value": [...] }), a Resource Graph response ({ "data": [...] }) or a single resource object',
      );
      expect(run.stderr).toContain("found an object with keys vaults");
    });
  });

  describe("usage errors", () => {
    it("exits 2 for an unknown format, naming it", async () => {
      const run = await evaluate("compliant.json", "--format", "xml");
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("'xml' is invalid");
    });

    it("exits 2 for an --at that is not a date", async () => {
      const run = await cli(["evaluate", fixturePath("compliant.json"), "--at", "next tuesday"]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--at: "next tuesday" is not an ISO 8601 date or instant');
    });
  });

  describe("honest results on real inputs", () => {
    const referenceBody = (file: string): Record<string, unknown> =>
      (JSON.parse(readFileSync(join(REPO_ROOT, "test", "fixtures", "reference", `${file}.json`), "utf8")) as { responses: Record<string, { body: Record<string, unknown> }> })
        .responses["200"]?.body ?? {};
    /** Microsoft's createVaultWithNetworkAcls body (firewall Deny) with its example connection awaiting approval. */
    const aclVault = (): Record<string, unknown> & { properties: Record<string, unknown> } => {
      const vault = referenceBody("createVaultWithNetworkAcls") as Record<string, unknown> & { properties: Record<string, unknown> };
      const [connection] = (referenceBody("listPrivateEndpointConnection").value as { properties: Record<string, unknown> }[]);
      if (connection === undefined) throw new Error("no example connection");
      connection.properties.privateLinkServiceConnectionState = { status: "Pending", description: "", actionsRequired: "None" };
      vault.properties.privateEndpointConnections = [connection];
      return vault;
    };
    /** The same vault as vaultwatch's posture query returns it: the properties as top-level columns, absent as null. */
    const postureRow = (vault: Record<string, unknown> & { properties: Record<string, unknown> }) => {
      const columns = ["publicNetworkAccess", "networkAcls", "privateEndpointConnections", "enableSoftDelete", "softDeleteRetentionInDays", "enablePurgeProtection", "enableRbacAuthorization", "securityDomainProperties"];
      return {
        id: vault.id,
        name: vault.name,
        type: String(vault.type).toLowerCase(),
        location: vault.location,
        tags: vault.tags ?? {},
        ...Object.fromEntries(columns.map((column) => [column, vault.properties[column] ?? null])),
      };
    };
    const evaluateStdin = (input: unknown, ...options: string[]) => cli(["evaluate", "-", ...AT, ...options], JSON.stringify(input));

    it("gives a Resource Graph answer in the posture-query shape the same statuses as the ARM body", async () => {
      const fromArm = statusesByName(await jsonReport(evaluateStdin([aclVault()], "--format", "json")));
      const run = await evaluateStdin({ totalRecords: 1, count: 1, resultTruncated: "false", data: [postureRow(aclVault())] }, "--format", "json");
      const fromGraph = statusesByName(JSON.parse(run.stdout) as JsonReport);
      expect(fromGraph).toEqual(fromArm);
      expect(fromGraph["sample-vault"]).toMatchObject({ "VW-NET-002": "Pass", "VW-NET-004": "Fail", "VW-NET-005": "Fail" });
      expect((JSON.parse(run.stdout) as { resources: { exposure: string }[] }).resources[0]?.exposure).toBe("PublicRestricted");
      expect(run.stderr).toBe("");
    });

    it("makes VW-LOG-001 Unknown, with a warning, when an audit entry's enabled cannot be read", async () => {
      const vault = { ...aclVault(), diagnosticSettings: [{ name: "audit", properties: { workspaceId: "/w", logs: [{ categoryGroup: "audit", enabled: "yes" }] } }] };
      const run = await evaluateStdin([vault], "--format", "json");
      expect(statusesByName(JSON.parse(run.stdout) as JsonReport)["sample-vault"]?.["VW-LOG-001"]).toBe("Unknown");
      expect(run.stderr).toContain("diagnosticSettings[0].logs[0].enabled should be a boolean");
    });

    it("gives no score (null) and one warning for properties that is a number", async () => {
      const run = await evaluateStdin([{ ...aclVault(), properties: 123 }], "--format", "json");
      const report = JSON.parse(run.stdout) as { resources: { score: number | null }[]; summary: { estateScore: number | null } };
      expect(report.resources[0]?.score).toBeNull();
      expect(report.summary.estateScore).toBeNull();
      expect(run.stderr.trim().split("\n")).toEqual([expect.stringContaining("properties should be an object, found number 123")]);
      const table = await evaluateStdin([{ ...aclVault(), properties: 123 }]);
      expect(table.stdout).toMatch(/^–\s+vault\s+Unknown\s+sample-vault/m);
      expect(table.stdout).toContain("estate score –.");
    });

    it("lets no control character of a resource's data reach the table, Markdown or CSV, and keeps each command one line", async () => {
      const hostile = "kv\u001b[31m\nrm -rf ~\r\u009b|`x`[a](https://e.example)";
      const vault = { ...aclVault(), name: hostile, resourceGroup: `rg\u001b]0;title\u0007` };
      for (const format of ["table", "markdown", "csv"]) {
        const run = await evaluateStdin([vault], "--format", format);
        expect(run.code, format).toBe(1);
        // eslint-disable-next-line no-control-regex
        expect(run.stdout, format).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
        // Shown as visible escapes instead (Markdown escapes the backslashes and brackets once more).
        expect(run.stdout, format).toContain(format === "markdown" ? "kv\\\\e\\[31m\\\\nrm -rf \\~\\\\r\\\\u009b" : "kv\\e[31m\\nrm -rf ~\\r\\u009b");
      }
      const markdown = (await evaluateStdin([vault], "--format", "markdown")).stdout;
      // The name cannot end a table cell, open code or make a link.
      expect(markdown).toContain("\\|\\`x\\`\\[a\\](https://e.example)");
      const commands = [...markdown.matchAll(/^```+sh\n([\s\S]*?)\n```+$/gm)].flatMap((block) => (block[1] ?? "").split("\n"));
      expect(commands.length).toBeGreaterThan(5);
      for (const command of commands) {
        const calls = execFileSync("bash", ["--noprofile", "--norc", "-c", `az() { printf 'call\\n'; }\n${command}`], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
        expect(calls, command).toBe("call\n");
      }
      const json = JSON.parse((await evaluateStdin([vault], "--format", "json")).stdout) as JsonReport;
      // eslint-disable-next-line no-control-regex
      for (const finding of json.findings) for (const command of finding.remediation?.commands ?? []) expect(command).not.toMatch(/[\n\r\u001b]/);
    });

    it("exits 2, writing nothing to standard output, when nothing in the input can be evaluated", async () => {
      for (const input of [[], [{ name: "no-id", type: "Microsoft.KeyVault/vaults" }], [{ id: "/subscriptions/x/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/s", type: "Microsoft.Storage/storageAccounts" }]]) {
        const run = await evaluateStdin(input);
        expect(run.code, JSON.stringify(input)).toBe(2);
        expect(run.stdout, JSON.stringify(input)).toBe("");
        expect(run.stderr).toContain("nothing to evaluate");
      }
    });

    it("refuses an --at that only looks like a number instead of reading a year from it", async () => {
      const run = await cli(["evaluate", fixturePath("compliant.json"), "--at", "1"]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain('--at: "1" is not an ISO 8601 date or instant');
    });
  });
});
