import type { ResourceEvaluation } from "../model/evaluation.js";
import { normaliseResource } from "../normalise/normaliseResource.js";
import { type EvaluateOptions, evaluateResource } from "./evaluate.js";

export interface ItemTally {
  /** Items seen, whatever became of them. */
  items: number;
  evaluated: number;
  /** Well-formed resources of other types, by type. */
  readonly skippedByType: Map<string, number>;
  /** Items that are not resources vaultwatch can identify, with why. */
  readonly malformed: string[];
}

export function newTally(): ItemTally {
  return { items: 0, evaluated: 0, skippedByType: new Map(), malformed: [] };
}

/**
 * Normalises and evaluates raw items lazily, one at a time, so memory stays at the size of the input:
 * other resource types are skipped and counted, malformed items reported, and the rest evaluated.
 */
export function* evaluateItems(items: Iterable<unknown>, options: EvaluateOptions, tally: ItemTally = newTally()): Generator<ResourceEvaluation> {
  let index = 0;
  for (const item of items) {
    tally.items += 1;
    const result = normaliseResource(item);
    if (result.ok) {
      tally.evaluated += 1;
      yield evaluateResource(result.resource, options);
    } else if (result.skipped) {
      const type = result.type.toLowerCase();
      tally.skippedByType.set(type, (tally.skippedByType.get(type) ?? 0) + 1);
    } else {
      tally.malformed.push(`item ${index}: ${result.error}`);
    }
    index += 1;
  }
}
