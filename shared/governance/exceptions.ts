import { lastInstantOf } from "../evaluate/waivers.js";
import { WAIVER_TAG } from "../evaluate/waivers.js";
import type { ControlId, WaiverSource } from "../model/finding.js";
import type { ResourcePosture } from "../model/resource.js";
import type { ConfiguredException, Exclusion, GovernanceConfig } from "./governanceConfig.js";
import { scopeSegments, segmentsOf, segmentsWithin } from "./scope.js";

/** The configured exceptions whose scope holds the resource (checked once per resource, not per control). */
export function exceptionsCovering(exceptions: readonly ConfiguredException[], resourceId: string): ConfiguredException[] {
  if (exceptions.length === 0) return [];
  const resource = segmentsOf(resourceId);
  return exceptions.filter((exception) => segmentsWithin(resource, scopeSegments(exception.scope)));
}

/** Those of `covering` that name this control, as waiver sources judged at `now`. */
export function exceptionSources(covering: readonly ConfiguredException[], controlId: ControlId, now: Date): WaiverSource[] {
  return covering
    .filter((exception) => exception.controls.includes(controlId))
    .map((exception) => {
      // The date is inclusive, in UTC: the exception ends at the next midnight.
      const endsAt = new Date(`${exception.expires}T00:00:00.000Z`);
      endsAt.setUTCDate(endsAt.getUTCDate() + 1);
      return {
        kind: "exception",
        expires: exception.expires,
        expiresAt: lastInstantOf(endsAt),
        state: now < endsAt ? "active" : "expired",
        reason: exception.reason,
        approvedBy: exception.approvedBy,
        ...(exception.ticket === undefined ? {} : { ticket: exception.ticket }),
      };
    });
}

/** The first exclusion that keeps this resource out of evaluation, or undefined. */
export function exclusionOf(resource: Pick<ResourcePosture, "id" | "tags">, governance: GovernanceConfig): Exclusion | undefined {
  if (governance.exclusions.length === 0) return undefined;
  const segments = segmentsOf(resource.id);
  return governance.exclusions.find(
    (exclusion) =>
      (exclusion.scope === undefined || segmentsWithin(segments, scopeSegments(exclusion.scope))) &&
      (exclusion.tags === undefined || Object.entries(exclusion.tags).every(([name, value]) => tagValue(resource.tags, name) === value)),
  );
}

function tagValue(tags: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(tags).find(([key]) => key.toLowerCase() === wanted)?.[1];
}

/** The `vaultwatch-waiver` tag's value (tag names compare case-insensitively), or undefined. */
export function waiverTagValue(tags: Readonly<Record<string, string>>): string | undefined {
  return tagValue(tags, WAIVER_TAG);
}
