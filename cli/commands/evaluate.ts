import { basename } from "node:path";
import { Command } from "commander";
import { evaluateItems, newTally } from "../../shared/evaluate/evaluateItems.js";
import type { ResourceEvaluation } from "../../shared/model/evaluation.js";
import { InputError, UsageError } from "../errors.js";
import { readResourceItems } from "../input.js";
import { type ReportOptions, addReportOptions, renderReport } from "../report.js";
import { WarningCollector, tallyWarnings } from "../warnings.js";

export interface EvaluateCommandOptions extends ReportOptions {
  /** ISO instant to judge waivers against; defaults to now. */
  readonly at?: string;
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
  const items = await readResourceItems(file);
  const tally = newTally();
  const warnings = new WarningCollector();
  function* evaluations(): Generator<ResourceEvaluation> {
    for (const evaluation of evaluateItems(items, { now }, tally)) {
      warnings.addAll(evaluation.warnings);
      yield evaluation;
    }
  }
  try {
    return await renderReport(evaluations(), { ...options, source: file === "-" ? "standard input" : basename(file) }, () => {
      // An input with nothing to evaluate is an input error, not a clean bill of health.
      if (tally.evaluated === 0) throw new InputError(nothingEvaluated(tally.items));
    });
  } finally {
    warnings.addAll(tallyWarnings(tally));
    warnings.print();
  }
}

function nothingEvaluated(items: number): string {
  return items === 0
    ? "nothing to evaluate: the input holds no item"
    : `nothing to evaluate: none of the ${items} item(s) is a Key Vault vault or Managed HSM vaultwatch could read (see the warnings)`;
}

/** `YYYY-MM-DD`, or a date and time with optional seconds and fraction; without an offset the time is UTC. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * The instant waivers are judged against. Only ISO 8601 is accepted: `new Date("1")` would read the year 2001,
 * so a mistyped value must be an error, never a silently different day.
 */
export function parseInstant(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const match = ISO_8601.exec(text.trim());
  const instant = match === null ? undefined : new Date(match[4] !== undefined && match[7] === undefined ? `${text.trim()}Z` : text.trim());
  const [, year, month, day] = match ?? [];
  if (instant === undefined || Number.isNaN(instant.getTime()) || !sameCalendarDate(year, month, day)) {
    throw new UsageError(`--at: "${text}" is not an ISO 8601 date or instant (e.g. 2027-03-31 or 2027-03-31T12:00:00Z)`);
  }
  return instant;
}

function sameCalendarDate(year: string | undefined, month: string | undefined, day: string | undefined): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}
