import { parseArmId } from "../model/armId.js";

/**
 * Whether `resourceId` is `scope` or lies below it: ARM ids compared case-insensitively on whole path segments, so
 * `/subscriptions/s/resourceGroups/rg-a` covers `…/rg-a/providers/…` but never `…/rg-ab/…`.
 */
export function isWithinScope(resourceId: string, scope: string): boolean {
  const resource = segmentsOf(resourceId);
  const prefix = segmentsOf(scope);
  if (prefix.length === 0 || prefix.length > resource.length) return false;
  return prefix.every((segment, index) => segment === resource[index]);
}

function segmentsOf(id: string): string[] {
  return id
    .toLowerCase()
    .split("/")
    .filter((segment) => segment !== "");
}

/** Why `text` cannot be a scope (a subscription, resource group or resource id), or `undefined` when it can. */
export function scopeProblem(text: string): string | undefined {
  const parsed = parseArmId(text);
  if (!parsed.ok) return parsed.error;
  if (parsed.value.action !== undefined) return `ends in "${parsed.value.action}", which is not a resource`;
  return undefined;
}
