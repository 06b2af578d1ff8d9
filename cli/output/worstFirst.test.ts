import { existsSync } from "node:fs";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { demoEstateEvaluations } from "../../test/support/reports.js";
import { streamReport } from "../report.js";
import { EstateSummary } from "./estateSummary.js";
import type { ReportFormat } from "./reportFormat.js";
import { ReportOutput } from "./reportOutput.js";
import { type Rank, WorstFirstSections, worstFirst } from "./worstFirst.js";

const rank = (score: number, failures: [number, number, number], exposure: number, name: string): Rank => ({ score, failures, exposure, name });

describe("worst first", () => {
  it("orders by score, then High, Medium and Low failures, then the widest exposure, then name", () => {
    const ranks = [
      rank(50, [1, 0, 0], 3, "b"),
      rank(20, [0, 3, 0], 3, "z"),
      rank(50, [1, 0, 0], 0, "c"),
      rank(50, [2, 0, 0], 5, "d"),
      rank(50, [1, 0, 0], 3, "a"),
      rank(50, [1, 1, 0], 3, "e"),
    ];
    expect([...ranks].sort(worstFirst).map((entry) => entry.name)).toEqual(["z", "d", "e", "c", "a", "b"]);
  });

  it("reads each resource's text back in that order, whatever its size and script, and removes its file", () => {
    const sections = new WorstFirstSections<"row" | "detail">();
    sections.add(rank(90, [0, 0, 0], 3, "calm"), { row: "calm row\n", detail: "" });
    sections.add(rank(10, [2, 0, 0], 0, "worst"), { row: "wörst — ✗\n", detail: "x".repeat(100_000) });
    const read = [...sections.ordered()].map((section) => [section.text("row"), section.text("detail").length]);
    expect(read).toEqual([
      ["wörst — ✗\n", 100_000],
      ["calm row\n", 0],
    ]);
    const directory = (sections as unknown as { directory: string }).directory;
    expect(existsSync(directory)).toBe(true);
    sections.discard();
    expect(existsSync(directory)).toBe(false);
  });

  it("releases a format's temporary files when the evaluations fail part way", async () => {
    let disposed = 0;
    const format: ReportFormat = { begin: () => {}, resource: () => {}, end: async () => {}, dispose: () => (disposed += 1) };
    const [first] = demoEstateEvaluations();
    function* failing(): Generator<ResourceEvaluation> {
      yield first!;
      throw new Error("the source broke");
    }
    await expect(streamReport(failing(), format, ReportOutput.toStream(new PassThrough()), new EstateSummary("low"))).rejects.toThrow("the source broke");
    expect(disposed).toBe(1);
  });
});
