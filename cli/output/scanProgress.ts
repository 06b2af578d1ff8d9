import type { ThrottleWait } from "../../shared/readers/readerStats.js";
import type { ScanProgress } from "../../shared/scan/scanEstate.js";

/** Everything the progress line shows, gathered as the scan runs. */
export interface ProgressState {
  readonly read: ScanProgress | undefined;
  /** Resources evaluated and handed to the report. */
  readonly evaluated: number;
  readonly elapsedMs: number;
  /** The wait in progress, if any: what for, and when it ends. */
  readonly waiting: { readonly wait: ThrottleWait; readonly endsAt: number } | undefined;
  readonly waits: number;
  readonly waitedMs: number;
  readonly now: number;
}

const number = (value: number): string => value.toLocaleString("en-US");

function seconds(milliseconds: number): string {
  const total = Math.max(0, Math.round(milliseconds / 1000));
  return total < 60 ? `${total} s` : `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
}

/** In words, what the scan is waiting for. */
export function describeWait(wait: ThrottleWait): string {
  if (wait.cause === "quota") return `pacing to the ${wait.service} quota${wait.basis === "quota reset" ? " until it resets" : ""}`;
  const why = wait.basis === "Retry-After" ? "as its Retry-After asks" : wait.basis === "quota reset" ? "until its quota resets" : "before retrying";
  return `${wait.service} throttled the scan (429); waiting ${why}`;
}

/**
 * One line: resources evaluated of the expected total (Resource Graph's count; "at least" while subscription batches
 * remain), percentage, rate, time left at that rate, and what the scan is waiting for.
 */
export function renderProgress(state: ProgressState): string {
  const { read } = state;
  if (read === undefined) return state.waiting === undefined ? "scanning: starting" : `scanning: starting · ${waitingText(state)}`;
  const total = read.expectedResources;
  const done = Math.min(state.evaluated, total);
  const parts = [`scanning: ${number(done)} of ${read.expectedComplete ? "" : "at least "}${number(total)} resources`];
  if (total > 0) parts.push(`${Math.floor((100 * done) / total)}%`);
  const rate = state.elapsedMs > 0 ? (state.evaluated * 1000) / state.elapsedMs : 0;
  parts.push(`${number(Math.round(rate))}/s`);
  if (rate > 0 && read.expectedComplete && done < total) parts.push(`about ${seconds(((total - done) / rate) * 1000)} left`);
  if (state.waiting !== undefined && state.waiting.endsAt > state.now) parts.push(waitingText(state));
  else if (state.waits > 0) parts.push(`throttling waits ${state.waits} (${(state.waitedMs / 1000).toFixed(1)} s)`);
  return parts.join(" · ");
}

function waitingText(state: ProgressState): string {
  const waiting = state.waiting!;
  return `${describeWait(waiting.wait)}: ${seconds(waiting.endsAt - state.now)}`;
}
