/**
 * Renders a report in-process, the way `vaultwatch evaluate` does, into a string: the format tests read what a
 * user would read without paying for a process start per case.
 */
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { EstateSummary, type FailOn } from "../../cli/output/estateSummary.js";
import type { ReportFormat } from "../../cli/output/reportFormat.js";
import { ReportOutput } from "../../cli/output/reportOutput.js";
import { resourceItemsOf } from "../../cli/input.js";
import { streamReport } from "../../cli/report.js";
import { evaluateItems } from "../../shared/evaluate/evaluateItems.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";

/** The bundled 320-resource demo estate, judged at a fixed instant so waivers do not change with the calendar. */
export const DEMO_ESTATE_URL = new URL("../../samples/demo-estate.json", import.meta.url);
export const FIXED_NOW = new Date("2026-11-24T12:00:00Z");

export function evaluateFile(url: URL, now: Date = FIXED_NOW): ResourceEvaluation[] {
  return [...evaluateItems(resourceItemsOf(JSON.parse(readFileSync(url, "utf8"))), { now })];
}

export function demoEstateEvaluations(): ResourceEvaluation[] {
  return evaluateFile(DEMO_ESTATE_URL);
}

export async function renderToString(format: ReportFormat, evaluations: Iterable<ResourceEvaluation>, failOn: FailOn = "low"): Promise<string> {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  await streamReport(evaluations, format, ReportOutput.toStream(sink), new EstateSummary(failOn));
  return chunks.join("");
}
