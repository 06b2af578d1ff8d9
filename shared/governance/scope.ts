import { parseArmId } from "../model/armId.js";

/**
 * Whether `resourceId` is `scope` or lies below it: ARM ids compared case-insensitively on whole path segments, so
 * `/subscriptions/s/resourceGroups/rg-a` covers `…/rg-a/providers/…` but never `…/rg-ab/…`.
 */
export function isWithinScope(resourceId: string, scope: string): boolean {
  return segmentsWithin(segmentsOf(resourceId), segmentsOf(scope));
}

/** The same test on ids already split by `segmentsOf`, for loops that compare one resource with many scopes. */
export function segmentsWithin(resource: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length === 0 || prefix.length > resource.length) return false;
  return prefix.every((segment, index) => segment === resource[index]);
}

const scopeCache = new Map<string, readonly string[]>();

/** A configured scope's segments, split once: configurations hold few scopes, matched against every resource. */
export function scopeSegments(scope: string): readonly string[] {
  let segments = scopeCache.get(scope);
  if (segments === undefined) {
    segments = segmentsOf(scope);
    if (scopeCache.size < 10_000) scopeCache.set(scope, segments);
  }
  return segments;
}

/** An ARM id's path segments, lower-cased. */
export function segmentsOf(id: string): string[] {
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
