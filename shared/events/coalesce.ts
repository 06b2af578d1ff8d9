import type { EventCause, KeyVaultTarget, ResourceChange } from "./resourceChange.js";

/** One unit of work per vault or HSM in a batch of events. */
export type TargetWork =
  | { readonly kind: "reread"; readonly target: KeyVaultTarget; readonly cause: EventCause }
  | { readonly kind: "payload"; readonly target: KeyVaultTarget; readonly cause: EventCause; readonly resource: Record<string, unknown>; readonly observedAt: Date }
  | { readonly kind: "deleted"; readonly target: KeyVaultTarget; readonly cause: EventCause; readonly observedAt: Date };

type TargetChange = Extract<ResourceChange, { kind: "reread" | "payload" | "deleted" }>;

/**
 * Coalesces the changes of one batch so each resource is read at most once: a re-read (the truth now) wins over
 * any payload; otherwise the newest observed payload or deletion wins. The cause kept for attribution is the
 * latest event's.
 */
export function coalesceChanges(changes: Iterable<TargetChange>): TargetWork[] {
  const byTarget = new Map<string, TargetWork>();
  for (const change of changes) {
    const current = byTarget.get(change.target.key);
    byTarget.set(change.target.key, current ? merge(current, change) : change);
  }
  return [...byTarget.values()];
}

function merge(current: TargetWork, next: TargetWork): TargetWork {
  const cause = next.cause.eventTime >= current.cause.eventTime ? next.cause : current.cause;
  if (current.kind === "reread" || next.kind === "reread") {
    return { kind: "reread", target: current.target, cause };
  }
  const newest = next.observedAt >= current.observedAt ? next : current;
  return { ...newest, cause };
}
