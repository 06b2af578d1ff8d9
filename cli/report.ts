import { type Command, Option } from "commander";
import type { ResourceEvaluation } from "../shared/model/evaluation.js";
import { htmlFormat } from "./html/htmlFormat.js";
import { csvFormat } from "./output/csvFormat.js";
import { EstateSummary, type FailOn } from "./output/estateSummary.js";
import { jsonFormat } from "./output/jsonFormat.js";
import { markdownFormat } from "./output/markdownFormat.js";
import { REPORT_FORMATS, type ReportFormat, type ReportFormatName } from "./output/reportFormat.js";
import { ReportOutput } from "./output/reportOutput.js";
import { sarifFormat } from "./output/sarifFormat.js";
import { tableFormat } from "./output/tableFormat.js";

export interface ReportOptions {
  readonly format: ReportFormatName;
  readonly output?: string;
  readonly failOn: FailOn;
  /** What is being reported on, in words (the HTML report's header). */
  readonly source?: string;
  /** `--at`: the instant waivers were judged at, when it is not now. */
  readonly at?: string;
}

const FORMATS: Record<ReportFormatName, (options: ReportOptions) => ReportFormat> = {
  table: tableFormat,
  json: jsonFormat,
  csv: csvFormat,
  sarif: sarifFormat,
  markdown: markdownFormat,
  html: (options) =>
    htmlFormat({
      title: "vaultwatch report",
      source: options.source ?? "vaultwatch",
      ...(options.at === undefined ? {} : { judgedAt: new Date(options.at) }),
    }),
};

/** The options every command that reports findings shares. */
export function addReportOptions(command: Command): Command {
  return command
    .addOption(new Option("-f, --format <format>", "output format").choices(REPORT_FORMATS).default("table"))
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a failure of this severity or higher is found")
        .choices(["low", "medium", "high"])
        .default("low"),
    );
}

/**
 * Streams evaluations into the chosen format, iterating once, and returns the exit code:
 * 0 without a Fail at or above `failOn`, 1 with one.
 */
export async function renderReport(
  evaluations: AsyncIterable<ResourceEvaluation> | Iterable<ResourceEvaluation>,
  options: ReportOptions,
  /** Called once every evaluation is in and before anything is written: throw to fail the run with no output. */
  beforeCommit?: (summary: EstateSummary) => void,
): Promise<number> {
  const summary = await writeReport(evaluations, options, beforeCommit);
  return summary.exitCode;
}

/**
 * Renders the report into a staging area and hands it to standard output or the file only when the run
 * succeeded: when reading fails half-way, or `beforeCommit` refuses the result, nothing is written.
 */
export async function writeReport(
  evaluations: AsyncIterable<ResourceEvaluation> | Iterable<ResourceEvaluation>,
  options: ReportOptions,
  beforeCommit?: (summary: EstateSummary) => void,
): Promise<EstateSummary> {
  const format = FORMATS[options.format](options);
  const out = options.output ? ReportOutput.toFile(options.output) : ReportOutput.toStream(process.stdout);
  const summary = new EstateSummary(options.failOn);
  try {
    format.begin(out);
    for await (const evaluation of evaluations) {
      summary.add(evaluation);
      format.resource(evaluation, out);
      await out.flushIfFull();
    }
    await format.end(summary, out);
    beforeCommit?.(summary);
  } catch (error) {
    out.discard();
    throw error;
  }
  await out.commit();
  return summary;
}
