import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import AjvDraft04 from "ajv-draft-04";
import type { Log } from "sarif";
import { beforeAll, describe, expect, it } from "vitest";
import { CONTROLS } from "../../shared/controls/catalog.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { demoEstateEvaluations, renderToString } from "../../test/support/reports.js";
import { GITHUB_SARIF_LIMITS, sarifFormat } from "./sarifFormat.js";

/**
 * The OASIS SARIF 2.1.0 schema (its final, rtm.5, text) as Microsoft ships it in @microsoft/jest-sarif; JSON Schema
 * draft-04, hence Ajv's draft-04 build. Its `language` pattern ends in a stray `]`, which only a non-Unicode regular
 * expression reads (as a literal), so Ajv compiles patterns without the `u` flag.
 */
const require = createRequire(import.meta.url);
const SCHEMA_PATH = require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
// A CommonJS module whose exports are the class and carry it again as `default`, which is what TypeScript sees.
const Ajv = AjvDraft04.default;
const validateSarif = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object);

/** The rules GitHub documents for an upload, beyond the schema ("SARIF support for code scanning" and its limits). */
function githubUploadProblems(log: Log): string[] {
  const problems: string[] = [];
  if (log.version !== "2.1.0") problems.push(`version ${log.version}`);
  if (log.runs.length > GITHUB_SARIF_LIMITS.runsPerFile) problems.push(`${log.runs.length} runs`);
  for (const run of log.runs) {
    const rules = run.tool.driver.rules ?? [];
    if (rules.length > GITHUB_SARIF_LIMITS.rulesPerRun) problems.push(`${rules.length} rules`);
    for (const rule of rules) {
      if (!/^https:\/\/\S+$/.test(rule.helpUri ?? "")) problems.push(`rule ${rule.id} has no helpUri`);
      if (!rule.help?.text || !rule.help.markdown) problems.push(`rule ${rule.id} has no help text and markdown`);
      const tags = (rule.properties?.tags ?? []) as unknown[];
      if (tags.length > GITHUB_SARIF_LIMITS.tagsPerRule) problems.push(`rule ${rule.id} has ${tags.length} tags`);
      const severity = Number(rule.properties?.["security-severity"]);
      if (!(severity >= 0 && severity <= 10)) problems.push(`rule ${rule.id} security-severity ${String(rule.properties?.["security-severity"])}`);
    }
    const results = run.results ?? [];
    if (results.length > GITHUB_SARIF_LIMITS.resultsPerRun) problems.push(`${results.length} results`);
    for (const [index, result] of results.entries()) {
      const where = `result ${index} (${result.ruleId})`;
      if (!rules.some((rule) => rule.id === result.ruleId)) problems.push(`${where} names no rule`);
      if (!result.message.text) problems.push(`${where} has no message text`);
      const locations = result.locations ?? [];
      if (locations.length === 0 || locations.length > GITHUB_SARIF_LIMITS.locationsPerResult) problems.push(`${where} has ${locations.length} locations`);
      for (const location of locations) {
        const uri = location.physicalLocation?.artifactLocation?.uri ?? "";
        // GitHub wants a path relative to the repository: no scheme, no leading slash, nothing a URI would reject.
        if (uri === "" || /^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith("/") || /[\s%](?![0-9A-F]{2})/.test(uri)) {
          problems.push(`${where} physical location "${uri}"`);
        }
        if (!((location.physicalLocation?.region?.startLine ?? 0) >= 1)) problems.push(`${where} has no region`);
      }
      if (Object.keys(result.partialFingerprints ?? {}).length === 0) problems.push(`${where} has no partialFingerprints`);
    }
  }
  return problems;
}

async function sarifOf(evaluations: readonly ResourceEvaluation[], resultsPerRun?: number): Promise<Log> {
  return JSON.parse(await renderToString(sarifFormat(resultsPerRun), evaluations)) as Log;
}

describe("SARIF for GitHub code scanning (--format sarif)", () => {
  let evaluations: ResourceEvaluation[];
  let log: Log;

  beforeAll(async () => {
    evaluations = demoEstateEvaluations();
    log = await sarifOf(evaluations);
  });

  it("validates against the SARIF 2.1.0 schema on the demo estate", () => {
    const valid = validateSarif(log);
    expect(validateSarif.errors ?? [], "schema errors").toEqual([]);
    expect(valid).toBe(true);
  });

  it("meets GitHub's upload rules: a physical location, region and fingerprint on every result, a helpUri and help on every rule, within the limits", () => {
    expect(log.runs[0]?.results?.length).toBeGreaterThan(100);
    expect(githubUploadProblems(log)).toEqual([]);
    expect(gzipSync(JSON.stringify(log)).length).toBeLessThan(GITHUB_SARIF_LIMITS.gzippedBytes);
  });

  it("locates each result at its resource, by a repository-relative path made of the ARM id and by the id itself", () => {
    const withParentheses = {
      ...evaluations[0]!,
      resource: { ...evaluations[0]!.resource, resourceId: "/subscriptions/s/resourceGroups/rg (prod)/providers/Microsoft.KeyVault/vaults/kv-ä" },
    };
    const failing = evaluations.find((evaluation) => evaluation.findings.some((finding) => finding.status === "Fail"))!;
    const result = log.runs[0]?.results?.find((candidate) => candidate.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName === failing.resource.resourceId);
    expect(result?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe(failing.resource.resourceId.slice(1));
    return sarifOf([{ ...withParentheses, findings: failing.findings }]).then((odd) => {
      expect(odd.runs[0]?.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe(
        "subscriptions/s/resourceGroups/rg%20(prod)/providers/Microsoft.KeyVault/vaults/kv-%C3%A4",
      );
      expect(githubUploadProblems(odd)).toEqual([]);
    });
  });

  it("gives the same fingerprint to the same resource and control whatever the id's casing, and different ones otherwise", async () => {
    const failing = evaluations.find((evaluation) => evaluation.findings.filter((finding) => finding.status === "Fail").length >= 2)!;
    const upper = { ...failing, findings: failing.findings.map((finding) => ({ ...finding, resourceId: finding.resourceId.toUpperCase() })) };
    const [original, shouted] = await Promise.all([sarifOf([failing]), sarifOf([upper])]);
    const prints = (of: Log) => (of.runs[0]?.results ?? []).map((result) => result.partialFingerprints?.["vaultwatch/v1"]);
    expect(prints(shouted)).toEqual(prints(original));
    expect(new Set(prints(original)).size).toBe(prints(original).length);
  });

  it("describes every control as a rule with Microsoft's guidance as helpUri, a security-severity and tags for the resource types", () => {
    const rules = log.runs[0]?.tool.driver.rules ?? [];
    expect(rules.map((rule) => rule.id)).toEqual(CONTROLS.map((control) => control.id));
    const purge = rules.find((rule) => rule.id === "VW-DP-001");
    expect(purge?.helpUri).toMatch(/^https:\/\/learn\.microsoft\.com\/azure\/key-vault\//);
    expect(purge?.help?.markdown).toContain(`](${purge?.helpUri})`);
    expect(purge?.properties).toMatchObject({ "security-severity": "8.0", tags: expect.arrayContaining(["security", "key-vault", "managed-hsm"]) });
    expect(rules.find((rule) => rule.id === "VW-IAM-001")?.properties?.tags).not.toContain("managed-hsm");
  });

  it("keeps a run within GitHub's result limit, and says in the run how many results it left out", async () => {
    // Failures, and waived failures as accepted suppressions.
    const failures = evaluations.flatMap((evaluation) => evaluation.findings).filter((finding) => finding.status === "Fail" || finding.status === "Waived").length;
    const capped = await sarifOf(evaluations, 100);
    expect(capped.runs[0]?.results).toHaveLength(100);
    expect(capped.runs[0]?.invocations?.[0]?.toolExecutionNotifications?.[0]?.message.text).toContain(`${failures - 100} further result(s) were left out`);
    expect(validateSarif(capped)).toBe(true);
    expect(log.runs[0]?.invocations?.[0]?.toolExecutionNotifications).toEqual([]);
  });
});
