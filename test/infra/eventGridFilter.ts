/**
 * Event Grid's event-subscription filter semantics, for the operators vaultwatch's filter files use:
 * event types must be listed; every advanced filter must match (AND), any value within one filter may
 * match (OR); string comparisons ignore case; a key the event lacks does not match.
 * https://learn.microsoft.com/azure/event-grid/event-filtering
 */

export interface AdvancedFilter {
  readonly operatorType: string;
  readonly key: string;
  readonly values: readonly string[];
}

export interface EventSubscriptionFilter {
  readonly includedEventTypes: readonly string[];
  readonly advancedFilters: readonly AdvancedFilter[];
  readonly enableAdvancedFilteringOnArrays?: boolean;
}

export type GridEvent = Readonly<Record<string, unknown>>;

/** Event Grid's limits per event subscription. */
export const MAX_ADVANCED_FILTERS = 25;
export const MAX_ADVANCED_FILTER_VALUES = 25;

function valueAt(event: GridEvent, key: string): unknown {
  return key.split(".").reduce<unknown>((current, segment) => {
    if (current === null || typeof current !== "object") return undefined;
    return (current as Record<string, unknown>)[segment];
  }, event);
}

const STRING_OPERATORS: Readonly<Record<string, (actual: string, expected: string) => boolean>> = {
  StringIn: (actual, expected) => actual === expected,
  StringContains: (actual, expected) => actual.includes(expected),
  StringBeginsWith: (actual, expected) => actual.startsWith(expected),
  StringEndsWith: (actual, expected) => actual.endsWith(expected),
};

function matchesAdvancedFilter(event: GridEvent, filter: AdvancedFilter): boolean {
  const compare = STRING_OPERATORS[filter.operatorType];
  if (compare === undefined) throw new TypeError(`Operator ${filter.operatorType} is not modelled by this test's filter evaluator`);
  const actual = valueAt(event, filter.key);
  if (typeof actual !== "string") return false;
  return filter.values.some((expected) => compare(actual.toLowerCase(), expected.toLowerCase()));
}

/** Whether Event Grid would deliver `event` to a subscription with `filter`. */
export function deliveredBy(filter: EventSubscriptionFilter, event: GridEvent): boolean {
  const eventType = valueAt(event, "eventType");
  if (typeof eventType !== "string") return false;
  if (!filter.includedEventTypes.some((type) => type.toLowerCase() === eventType.toLowerCase())) return false;
  return filter.advancedFilters.every((advanced) => matchesAdvancedFilter(event, advanced));
}
