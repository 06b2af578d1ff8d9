import { Command } from "commander";
import { evaluateItems, newTally } from "../../shared/evaluate/evaluateItems.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { readConfigOption } from "../configOption.js";
import { UsageError } from "../errors.js";
import { readResourceItems } from "../input.js";
import { type ReportOptions, addReportOptions, renderReport } from "../report.js";
import { WarningCollector, tallyWarnings } from "../warnings.js";

export interface EvaluateCommandOptions extends ReportOptions {
  /** ISO instant to judge waivers against; defaults to now. */
  readonly at?: string;
  readonly config?: string;
}

export function registerEvaluateCommand(program: Command, onExitCode: (code: number) => void): void {
  addReportOptions(
    program
      .command("evaluate")
      .description("evaluate vaults and Managed HSMs from a JSON file (ARM, Resource Graph or az output); - reads standard input")
      .argument("<file>", "JSON file, or - for standard input")
      .option("--at <instant>", "evaluate waivers as of this ISO 8601 instant instead of now"),
  ).action(async (file: string, options: EvaluateCommandOptions) => {
    onExitCode(await evaluateFile(file, options));
  });
}

export async function evaluateFile(file: string, options: EvaluateCommandOptions): Promise<number> {
  const now = parseInstant(options.at);
  const governance = await readConfigOption(options.config);
  const items = await readResourceItems(file);
  const tally = newTally();
  const warnings = new WarningCollector();
  function* evaluations(): Generator<ResourceEvaluation> {
    for (const evaluation of evaluateItems(items, { now, ...(governance === undefined ? {} : { governance }) }, tally)) {
      warnings.addAll(evaluation.warnings);
      yield evaluation;
    }
  }
  const code = await renderReport(evaluations(), options, { ...(governance === undefined ? {} : { governance }), tally });
  warnings.addAll(tallyWarnings(tally));
  warnings.print();
  return code;
}

export function parseInstant(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const instant = new Date(text);
  if (Number.isNaN(instant.getTime())) throw new UsageError(`--at: "${text}" is not an ISO 8601 date or instant`);
  return instant;
}
