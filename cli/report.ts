import type { Writable } from "node:stream";
import { type Command, Option } from "commander";
import type { ItemTally } from "../shared/evaluate/evaluateItems.js";
import type { GovernanceConfig } from "../shared/governance/governanceConfig.js";
import type { ResourceEvaluation } from "../shared/model/evaluation.js";
import { htmlFormat } from "./html/htmlFormat.js";
import { csvFormat } from "./output/csvFormat.js";
import { EstateSummary, type FailOn } from "./output/estateSummary.js";
import { FrameworkSummary } from "./output/frameworkSummary.js";
import { jsonFormat } from "./output/jsonFormat.js";
import { type MarkdownDetail, markdownFormat } from "./output/markdownFormat.js";
import type { ReportContext } from "./output/reportContext.js";
import { REPORT_FORMATS, type ReportFormat, type ReportFormatName } from "./output/reportFormat.js";
import { ReportOutput } from "./output/reportOutput.js";
import { sarifFormat } from "./output/sarifFormat.js";
import { tableFormat } from "./output/tableFormat.js";
import { wantsColour } from "./output/terminalColour.js";

export interface ReportOptions {
  readonly format: ReportFormatName;
  readonly output?: string;
  readonly failOn: FailOn;
  /** Markdown only: `summary` fits a pull-request comment, `full` lists every resource and failure. */
  readonly detail?: MarkdownDetail;
  /** Adds a summary by requirement of this framework (an initiative display name). */
  readonly framework?: string;
  /** What is being reported on, in words (the HTML report's header). */
  readonly source?: string;
  /** `--at`: the instant waivers were judged at, when it is not now. */
  readonly at?: string;
}

/** What the summary reports beside the evaluations: the configuration in force and what it kept out. */
export interface ReportRun {
  readonly governance?: GovernanceConfig;
  /** Filled while the evaluations stream; read when the report ends. */
  readonly tally?: ItemTally;
  /** Called once every evaluation is in and before anything is written: throw to fail the run with no output. */
  readonly beforeCommit?: (summary: EstateSummary) => void;
}

interface FormatTarget {
  readonly options: ReportOptions;
  readonly context: ReportContext;
  readonly framework: FrameworkSummary | undefined;
  /** Where the report goes: colour is for a terminal only. */
  readonly stream: Writable | undefined;
}

const FORMATS: Record<ReportFormatName, (target: FormatTarget) => ReportFormat> = {
  table: ({ stream }) => tableFormat({ colour: wantsColour(stream) }),
  json: ({ context }) => jsonFormat(context),
  csv: ({ context, framework }) => csvFormat(context, framework),
  sarif: () => sarifFormat(),
  markdown: ({ context, options }) => markdownFormat(context, { detail: options.detail ?? "summary" }),
  html: ({ context, options }) =>
    htmlFormat({
      title: "vaultwatch report",
      source: options.source ?? "vaultwatch",
      ...(options.at === undefined ? {} : { judgedAt: context.evaluatedAt }),
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
    )
    .addOption(
      new Option("--detail <level>", "markdown: summary (fits a pull-request comment) or full (every resource and failure)")
        .choices(["summary", "full"])
        .default("summary"),
    )
    .option("--config <file>", "vaultwatch.config.json to apply (disabled controls, severities, exclusions, exceptions, tag waivers)")
    .option("--framework <name>", 'add a summary by requirement of a framework, e.g. "CIS Azure Foundations v3.0.0"');
}

/**
 * Streams evaluations into the chosen format, iterating once, and returns the exit code:
 * 0 without a Fail at or above `failOn`, 1 with one.
 */
export async function renderReport(
  evaluations: AsyncIterable<ResourceEvaluation> | Iterable<ResourceEvaluation>,
  options: ReportOptions,
  context: ReportContext,
  run: ReportRun = {},
): Promise<number> {
  const summary = await writeReport(evaluations, options, context, run);
  return summary.exitCode;
}

export async function writeReport(
  evaluations: AsyncIterable<ResourceEvaluation> | Iterable<ResourceEvaluation>,
  options: ReportOptions,
  context: ReportContext,
  run: ReportRun = {},
): Promise<EstateSummary> {
  // Checked before the output opens, so a wrong name is a usage error that writes nothing.
  const framework = options.framework === undefined ? undefined : new FrameworkSummary(options.framework);
  const stream = options.output ? undefined : process.stdout;
  const format = FORMATS[options.format]({ options, context, framework, stream });
  const out = options.output ? ReportOutput.toFile(options.output) : ReportOutput.toStream(process.stdout);
  return streamReport(evaluations, format, out, new EstateSummary(options.failOn, run.governance, framework), run);
}

/**
 * Renders the report into the output's staging area and hands it to standard output or the file only when the run
 * succeeded: when reading fails half-way, or `run.beforeCommit` refuses the result, nothing is written. The format's
 * temporary files are released either way.
 */
export async function streamReport(
  evaluations: AsyncIterable<ResourceEvaluation> | Iterable<ResourceEvaluation>,
  format: ReportFormat,
  out: ReportOutput,
  summary: EstateSummary,
  run: ReportRun = {},
): Promise<EstateSummary> {
  try {
    format.begin(out);
    for await (const evaluation of evaluations) {
      summary.add(evaluation);
      format.resource(evaluation, out);
      await out.flushIfFull();
    }
    summary.excluded = run.tally?.excluded ?? [];
    await format.end(summary, out);
    run.beforeCommit?.(summary);
  } catch (error) {
    out.discard();
    throw error;
  } finally {
    format.dispose?.();
  }
  await out.commit();
  return summary;
}
