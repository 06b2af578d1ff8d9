import { describe, expect, it } from "vitest";
import type { ControlId, Status } from "../model/finding.js";
import { evaluationOf, vaultId } from "../../test/sink/evaluations.js";
import { computeTransitions, removedControls, type ControlsMemory } from "./transitions.js";

const ID = vaultId("kv-transitions");

/** Feeds a sequence of statuses of one control through the transition logic, as successive observations would. */
function walk(controlId: ControlId, statuses: readonly Status[]) {
  let memory: ControlsMemory | undefined;
  return statuses.map((status) => {
    const { transitions, next } = computeTransitions(memory, evaluationOf({ id: ID, statuses: { [controlId]: status } }).findings);
    memory = next;
    return transitions.get(controlId);
  });
}

describe("transitions between observations", () => {
  it("reports a control that fails at the first observation as New, and a passing one as Unchanged with no previous status", () => {
    const { transitions } = computeTransitions(undefined, evaluationOf({ id: ID, statuses: { "VW-NET-001": "Fail" } }).findings);
    expect(transitions.get("VW-NET-001")).toEqual({ previousStatus: undefined, transition: "New" });
    expect(transitions.get("VW-DP-001")).toEqual({ previousStatus: undefined, transition: "Unchanged" });
  });

  it("reports New when a control starts failing, Unchanged while it keeps failing and Resolved when it stops", () => {
    expect(walk("VW-DP-001", ["Pass", "Fail", "Fail", "Pass"])).toEqual([
      { previousStatus: undefined, transition: "Unchanged" },
      { previousStatus: "Pass", transition: "New" },
      { previousStatus: "Fail", transition: "Unchanged" },
      { previousStatus: "Fail", transition: "Resolved" },
    ]);
  });

  it("does not resolve a failing control that became unreadable, nor re-raise it when it reads as failing again", () => {
    expect(walk("VW-LOG-001", ["Fail", "Unknown", "Fail", "Unknown", "Pass"]).map((t) => t?.transition)).toEqual([
      "New",
      "Unchanged",
      "Unchanged",
      "Unchanged",
      "Resolved",
    ]);
  });

  it("raises a control that was unreadable from the start and then fails as New", () => {
    expect(walk("VW-LOG-001", ["Unknown", "Fail"]).map((t) => t?.transition)).toEqual(["Unchanged", "New"]);
  });

  it("treats a waiver as stopping the failure and its expiry as a new failure", () => {
    expect(walk("VW-NET-003", ["Fail", "Waived", "Fail"]).map((t) => t?.transition)).toEqual(["New", "Resolved", "New"]);
  });

  it("carries the previous status even when the transition is Unchanged", () => {
    expect(walk("VW-NET-002", ["Pass", "NotApplicable"])[1]).toEqual({ previousStatus: "Pass", transition: "Unchanged" });
  });

  it("hands back controls that had state but are no longer evaluated, so they can be reported as removed", () => {
    const vault = computeTransitions(undefined, evaluationOf({ id: ID, statuses: { "VW-IAM-001": "Fail" } }).findings);
    const asHsm = computeTransitions(vault.next, evaluationOf({ id: ID, kind: "managedHsm" }).findings);
    expect(asHsm.dropped).toEqual([{ controlId: "VW-IAM-001", severity: "Medium", previousStatus: "Fail" }]);
    expect(asHsm.next["VW-IAM-001"]).toBeUndefined();
  });

  it("lists every control with state for a deletion", () => {
    const { next } = computeTransitions(undefined, evaluationOf({ id: ID }).findings);
    expect(removedControls(next).map((control) => control.controlId)).toHaveLength(12);
  });

  it("records every control of a resource first seen by a baseline sweep as Baseline, failing or not, with no previous status", () => {
    const { transitions } = computeTransitions(undefined, evaluationOf({ id: ID, statuses: { "VW-NET-001": "Fail" } }).findings, { baseline: true });
    expect(transitions.get("VW-NET-001")).toEqual({ previousStatus: undefined, transition: "Baseline" });
    expect(transitions.get("VW-DP-001")).toEqual({ previousStatus: undefined, transition: "Baseline" });
  });

  it("still raises New during a baseline sweep for a resource vaultwatch has seen before", () => {
    const first = computeTransitions(undefined, evaluationOf({ id: ID, statuses: { "VW-DP-001": "Pass" } }).findings, { baseline: true });
    const second = computeTransitions(first.next, evaluationOf({ id: ID, statuses: { "VW-DP-001": "Fail" } }).findings, { baseline: true });
    expect(second.transitions.get("VW-DP-001")).toEqual({ previousStatus: "Pass", transition: "New" });
  });

  it("remembers a baseline failure as failing, so it is not raised as New at the next observation", () => {
    const first = computeTransitions(undefined, evaluationOf({ id: ID, statuses: { "VW-NET-001": "Fail" } }).findings, { baseline: true });
    const second = computeTransitions(first.next, evaluationOf({ id: ID, statuses: { "VW-NET-001": "Fail" } }).findings);
    expect(second.transitions.get("VW-NET-001")).toEqual({ previousStatus: "Fail", transition: "Unchanged" });
  });
});
