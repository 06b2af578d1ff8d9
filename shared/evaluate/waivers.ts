import type { ControlId, WaiverNote } from "../model/finding.js";
import { findControl } from "../controls/catalog.js";

export const WAIVER_TAG = "vaultwatch-waiver";

export interface Waiver {
  readonly controlId: ControlId;
  /** Last day covered, YYYY-MM-DD, inclusive, in UTC. */
  readonly expires: string;
  /** First instant after the waiver: midnight UTC after `expires`. */
  readonly endsAt: Date;
}

export interface ParsedWaivers {
  readonly waivers: ReadonlyMap<ControlId, Waiver>;
  /** Malformed entries: they have no effect and are reported, never fatal. */
  readonly warnings: readonly string[];
}

const ENTRY = /^(VW-[A-Z]+-\d{3})\s*:\s*(\d{4})-(\d{2})-(\d{2})$/i;

/**
 * Reads the `vaultwatch-waiver` tag (name compared case-insensitively): `VW-NET-003:2027-03-31`, several separated
 * by `;` or `,`. When a control is named twice, the later expiry wins.
 */
export function parseWaivers(tags: Readonly<Record<string, string>>): ParsedWaivers {
  const waivers = new Map<ControlId, Waiver>();
  const warnings: string[] = [];
  for (const [name, value] of Object.entries(tags)) {
    if (name.toLowerCase() !== WAIVER_TAG) continue;
    for (const entry of value.split(/[;,]/).map((part) => part.trim())) {
      if (entry === "") continue;
      const parsed = parseEntry(entry);
      if (typeof parsed === "string") {
        warnings.push(`Ignored waiver "${entry}": ${parsed}.`);
        continue;
      }
      const existing = waivers.get(parsed.controlId);
      if (!existing || existing.endsAt < parsed.endsAt) waivers.set(parsed.controlId, parsed);
    }
  }
  return { waivers, warnings };
}

function parseEntry(entry: string): Waiver | string {
  const match = ENTRY.exec(entry);
  if (!match) return "expected CONTROL-ID:YYYY-MM-DD";
  const [, id = "", yearText = "", monthText = "", dayText = ""] = match;
  const control = findControl(id);
  if (!control) return `${id} is not a vaultwatch control`;
  const [year, month, day] = [Number(yearText), Number(monthText), Number(dayText)];
  const start = new Date(Date.UTC(year, month - 1, day));
  if (start.getUTCFullYear() !== year || start.getUTCMonth() !== month - 1 || start.getUTCDate() !== day) {
    return `${yearText}-${monthText}-${dayText} is not a calendar date`;
  }
  return {
    controlId: control.id,
    expires: `${yearText}-${monthText}-${dayText}`,
    endsAt: new Date(Date.UTC(year, month - 1, day + 1)),
  };
}

export function waiverNote(waiver: Waiver, now: Date): WaiverNote {
  return { expires: waiver.expires, state: now < waiver.endsAt ? "active" : "expired" };
}
