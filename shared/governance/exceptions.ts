import { lastInstantOf } from "../evaluate/waivers.js";
import { WAIVER_TAG } from "../evaluate/waivers.js";
import type { ControlId, WaiverSource } from "../model/finding.js";
import type { ResourcePosture } from "../model/resource.js";
import type { ConfiguredException, Exclusion, GovernanceConfig } from "./governanceConfig.js";
import { isWithinScope } from "./scope.js";

/** The configured exceptions that name this control for a resource inside their scope, judged at `now`. */
export function exceptionSources(exceptions: readonly ConfiguredException[], resourceId: string, controlId: ControlId, now: Date): WaiverSource[] {
  return exceptions
    .filter((exception) => exception.controls.includes(controlId) && isWithinScope(resourceId, exception.scope))
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
  return governance.exclusions.find(
    (exclusion) =>
      (exclusion.scope === undefined || isWithinScope(resource.id, exclusion.scope)) &&
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
