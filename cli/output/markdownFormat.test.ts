import { beforeAll, describe, expect, it } from "vitest";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { exportEstate, generateEstate } from "../../emulator/index.js";
import { FIXED_NOW, demoEstateEvaluations, evaluateFile, renderToString } from "../../test/support/reports.js";
import { markdownFormat } from "./markdownFormat.js";
import { reportContext } from "./reportContext.js";

/** GitHub's documented limit on the body of a pull-request comment. */
const GITHUB_COMMENT_LIMIT = 65_536;

function tableScores(markdown: string): number[] {
  const table = markdown.slice(markdown.indexOf("## Resources, worst first"));
  return table
    .split("\n")
    .filter((line) => /^\| [^-|]/.test(line) && !line.startsWith("| Resource |"))
    // A resource with no score ("–", nothing could be judged) ranks between 99 and 100.
    .map((line) => (line.split(" | ")[3] === "–" ? 99.5 : Number(line.split(" | ")[3])));
}

describe("markdown (--format markdown) on the 320-resource demo estate", () => {
  let evaluations: ResourceEvaluation[];
  let bounded: string;
  let full: string;

  beforeAll(async () => {
    evaluations = demoEstateEvaluations();
    const context = reportContext(FIXED_NOW);
    [bounded, full] = await Promise.all([
      renderToString(markdownFormat(context), evaluations),
      renderToString(markdownFormat(context, { detail: "full" }), evaluations),
    ]);
  });

  it("fits a GitHub pull-request comment by default", () => {
    expect(evaluations).toHaveLength(320);
    expect(bounded.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(full.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT);
  });

  it("puts the summary first: resources, estate score, failures by severity and by control, exposure", () => {
    const summaryAt = bounded.indexOf("**320 resources**");
    expect(summaryAt).toBeGreaterThan(0);
    expect(summaryAt).toBeLessThan(bounded.indexOf("## Resources, worst first"));
    expect(bounded).toMatch(/\*\*estate score \d+\*\*\. Failures: \*\*\d+ high\*\*, \d+ medium, \d+ low; \d+ unknown, \d+ waived\./);
    expect(bounded.indexOf("| Failing control | Severity | Resources |")).toBeLessThan(bounded.indexOf("## Resources, worst first"));
    expect(bounded).toContain(`_Evaluated at ${FIXED_NOW.toISOString()} by vaultwatch `);
  });

  it("lists the worst resources first and says how much it left out and how to see it", () => {
    const scores = tableScores(bounded);
    expect(scores.length).toBeGreaterThan(10);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(Math.min(...evaluations.flatMap((evaluation) => (evaluation.score === null ? [] : [evaluation.score])))).toBe(scores[0]);
    expect(bounded).toMatch(/_Showing the \d+ worst of 320 resources, and the failures of the \d+ worst of the \d+ that fail\. `--detail full` lists every resource and failure\._/);
  });

  it("says what is wrong before what was expected, with the fix beside it", () => {
    const worst = [...evaluations].sort((a, b) => (a.score ?? 100) - (b.score ?? 100))[0]!;
    const failure = worst.findings.find((finding) => finding.status === "Fail")!;
    expect(bounded).toContain(`### ${worst.resource.name} (score ${worst.score}, ${worst.exposure.class})`);
    const item = bounded.split("\n").find((line) => /^\*\*(High|Medium|Low)\*\*: /.test(line) && line.includes(`(${failure.controlId})`))!;
    expect(item.indexOf("Expected:")).toBeGreaterThan(item.indexOf(failure.reason.slice(0, 20)));
    expect(item).toContain(`Expected: ${failure.title} (${failure.controlId}).`);
  });

  it("with --detail full, lists every resource worst first and every failure", () => {
    const scores = tableScores(full);
    expect(scores).toHaveLength(320);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    const failures = evaluations.flatMap((evaluation) => evaluation.findings).filter((finding) => finding.status === "Fail").length;
    expect(full.split("\n").filter((line) => /^\*\*(High|Medium|Low)\*\*: /.test(line))).toHaveLength(failures);
    expect(full).not.toContain("--detail full");
  });
});

describe("markdown on a 5,000-resource estate", () => {
  it("still fits a pull-request comment, summary first", async () => {
    const directory = await mkdtemp(join(tmpdir(), "vaultwatch-markdown-"));
    try {
      const file = join(directory, "estate.json");
      await exportEstate(generateEstate({ resources: 5000, subscriptions: 20, seed: 3 }).estate, file);
      const markdown = await renderToString(markdownFormat(reportContext(FIXED_NOW)), evaluateFile(pathToFileURL(file)));
      expect(markdown.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
      expect(markdown).toContain("**5,000 resources**");
      expect(markdown.indexOf("**5,000 resources**")).toBeLessThan(markdown.indexOf("## Resources, worst first"));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 120_000);
});
