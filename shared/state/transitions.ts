import type { ControlId, Finding, Severity, Status } from "../model/finding.js";
import type { Transition } from "../sink/findingsSchema.js";

/** What the store decided for one control: its status before this observation and the transition. */
export interface ControlTransition {
  readonly previousStatus: Status | undefined;
  readonly transition: Transition;
}

/** A control that had state when its resource disappeared (or stopped being evaluated). */
export interface RemovedControl {
  readonly controlId: ControlId;
  readonly severity: Severity;
  readonly previousStatus: Status;
}

/** What the state store remembers about one control of one resource. */
export interface ControlMemory {
  readonly status: Status;
  /**
   * Whether the control was last known to fail. `Unknown` keeps the earlier value: a control that could
   * not be read has not been fixed, and one that comes back failing is no new violation.
   */
  readonly failing: boolean;
  readonly severity: Severity;
}

export type ControlsMemory = Readonly<Partial<Record<ControlId, ControlMemory>>>;

export interface TransitionResult {
  readonly transitions: ReadonlyMap<ControlId, ControlTransition>;
  readonly next: ControlsMemory;
  /** Controls that had state but are not in the new evaluation: they get `Removed` rows, never silence. */
  readonly dropped: readonly RemovedControl[];
}

function isFailing(status: Status, earlier: ControlMemory | undefined): boolean {
  if (status === "Fail") return true;
  if (status === "Unknown") return earlier?.failing ?? false;
  return false;
}

function transitionOf(earlier: ControlMemory | undefined, failingNow: boolean, baseline: boolean): ControlTransition["transition"] {
  if (baseline) return "Baseline";
  if (earlier === undefined) return failingNow ? "New" : "Unchanged";
  if (!earlier.failing && failingNow) return "New";
  if (earlier.failing && !failingNow) return "Resolved";
  return "Unchanged";
}

export interface TransitionOptions {
  /**
   * The observation belongs to a sweep that runs before this deployment's first full sweep has completed. A
   * resource seen for the first time by such a sweep was not created or brought into scope just now: it was
   * there before vaultwatch looked, so every control of it is `Baseline`, never `New`.
   */
  readonly baseline?: boolean;
}

/**
 * New when a control starts failing, Resolved when it stops, Unchanged otherwise; `previous` is the
 * memory before this observation (`undefined` for a resource seen for the first time). A resource first seen
 * by a baseline sweep gets `Baseline` for every control, failing or not.
 */
export function computeTransitions(previous: ControlsMemory | undefined, findings: readonly Finding[], options: TransitionOptions = {}): TransitionResult {
  const baseline = previous === undefined && options.baseline === true;
  const transitions = new Map<ControlId, ControlTransition>();
  const next: Partial<Record<ControlId, ControlMemory>> = {};
  for (const finding of findings) {
    const earlier = previous?.[finding.controlId];
    const failing = isFailing(finding.status, earlier);
    transitions.set(finding.controlId, {
      previousStatus: earlier?.status,
      transition: transitionOf(earlier, failing, baseline),
    });
    next[finding.controlId] = { status: finding.status, failing, severity: finding.severity };
  }
  const dropped: RemovedControl[] = [];
  for (const [controlId, memory] of Object.entries(previous ?? {}) as [ControlId, ControlMemory | undefined][]) {
    if (memory !== undefined && !transitions.has(controlId)) {
      dropped.push({ controlId, severity: memory.severity, previousStatus: memory.status });
    }
  }
  return { transitions, next, dropped };
}

/** Every control with state, as `Removed` rows need them. */
export function removedControls(memory: ControlsMemory): RemovedControl[] {
  return (Object.entries(memory) as [ControlId, ControlMemory | undefined][]).flatMap(([controlId, control]) =>
    control === undefined ? [] : [{ controlId, severity: control.severity, previousStatus: control.status }],
  );
}
