import type { ControlId, Finding, WaiverNote, WaiverSource } from "../model/finding.js";
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

/** The tag waiver as a waiver source, judged at `now`. */
export function tagWaiverSource(waiver: Waiver, now: Date): WaiverSource {
  return { kind: "tag", expires: waiver.expires, expiresAt: lastInstantOf(waiver.endsAt), state: now < waiver.endsAt ? "active" : "expired" };
}

/** A date's last covered instant: the millisecond before the next UTC midnight. */
export function lastInstantOf(endsAt: Date): string {
  return new Date(endsAt.getTime() - 1).toISOString();
}

const SOURCE_LABEL: Record<WaiverSource["kind"], string> = { tag: "tag waiver", exception: "exception", policyExemption: "Azure Policy exemption" };

/** One source in words, for reasons: `exception approved by secops@contoso.com (SEC-1234) until 2027-03-31`. */
export function describeWaiverSource(source: WaiverSource): string {
  const until = source.expires === undefined ? "with no expiry" : `${source.state === "active" ? "until" : "which expired on"} ${source.expires}`;
  switch (source.kind) {
    case "tag":
      return `${SOURCE_LABEL.tag} ${until}`;
    case "exception":
      return `${SOURCE_LABEL.exception} approved by ${source.approvedBy}${source.ticket === undefined ? "" : ` (${source.ticket})`} ${until}: ${source.reason}`;
    case "policyExemption":
      return `${SOURCE_LABEL.policyExemption} ${source.name} (${source.category}) ${until}`;
  }
}

/**
 * Combines every source that names the finding's control. Any active source turns Fail into Waived (it stays
 * Waived until the last one ends); sources leave every other status alone; when all have expired the finding says
 * so. The note always lists every source, so a reader sees what silenced or would have silenced the failure.
 */
export function applyWaiverSources(finding: Finding, sources: readonly WaiverSource[]): Finding {
  if (sources.length === 0) return finding;
  const active = sources.filter((source) => source.state === "active");
  const deciding = active.length > 0 ? active : sources;
  const neverEnds = deciding.some((source) => source.expiresAt === undefined);
  const latest = neverEnds ? undefined : deciding.reduce((a, b) => ((a.expiresAt ?? "") >= (b.expiresAt ?? "") ? a : b));
  const note: WaiverNote = {
    state: active.length > 0 ? "active" : "expired",
    ...(latest?.expires === undefined ? {} : { expires: latest.expires, expiresAt: latest.expiresAt }),
    sources,
  };
  if (finding.status !== "Fail") return { ...finding, waiver: note };
  if (active.length === 0) {
    return { ...finding, waiver: note, reason: `${finding.reason} Expired: ${sources.map(describeWaiverSource).join("; ")}.` };
  }
  const until = note.expires === undefined ? "with no expiry" : `until ${note.expires}`;
  return { ...finding, status: "Waived", waiver: note, reason: `Waived ${until} by ${active.map(describeWaiverSource).join("; ")}. ${finding.reason}` };
}
