import type { Reading } from "../model/resource.js";

/** Absent per CONTROLS.md: missing, `null`, or an empty string. */
export function isAbsent(value: unknown): value is undefined | null | "" {
  return value === undefined || value === null || value === "";
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function known<T>(value: T, defaulted = false): Reading<T> {
  return { known: true, value, defaulted };
}

export function unreadable<T>(problem: string): Reading<T> {
  return { known: false, problem };
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return typeof value === "string" ? `"${value.slice(0, 40)}"` : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** An enumerated string such as `publicNetworkAccess`; the value keeps its casing, controls compare case-insensitively. */
export function readEnum(value: unknown, fallback: string, path: string): Reading<string> {
  if (isAbsent(value)) return known(fallback, true);
  if (typeof value === "string") return known(value);
  return unreadable(`${path} should be a string, found ${describe(value)}`);
}

export function readOptionalString(value: unknown, path: string): Reading<string | undefined> {
  if (isAbsent(value)) return known(undefined, true);
  if (typeof value === "string") return known(value);
  return unreadable(`${path} should be a string, found ${describe(value)}`);
}

/**
 * Booleans arrive in three forms (CONTROLS.md): `true`/`false`, `"true"`/`"false"` (any case) or `1`/`0`
 * (Resource Notifications payloads). Anything else present (`"yes"`, `2`, `{}`) is unreadable, never a default.
 */
export function readBoolean(value: unknown, fallback: boolean, path: string): Reading<boolean> {
  if (isAbsent(value)) return known(fallback, true);
  if (typeof value === "boolean") return known(value);
  if (value === 1 || value === 0) return known(value === 1);
  if (typeof value === "string") {
    const text = value.trim().toLowerCase();
    if (text === "true") return known(true);
    if (text === "false") return known(false);
  }
  return unreadable(`${path} should be a boolean (true/false, "true"/"false" or 1/0), found ${describe(value)}`);
}

/** A whole number, or a string of digits: `7.5` or `"ninety"` is unreadable, never rounded or defaulted. */
export function readInteger(value: unknown, fallback: number, path: string): Reading<number> {
  if (isAbsent(value)) return known(fallback, true);
  if (typeof value === "number" && Number.isSafeInteger(value)) return known(value);
  if (typeof value === "string" && /^\s*\d{1,15}\s*$/.test(value)) return known(Number(value));
  return unreadable(`${path} should be a whole number, found ${describe(value)}`);
}

/** A list property: absent means empty. */
export function readList<T>(value: unknown, path: string, item: (entry: unknown, index: number) => T): Reading<readonly T[]> {
  if (isAbsent(value)) return known([], true);
  if (!Array.isArray(value)) return unreadable(`${path} should be a list, found ${describe(value)}`);
  return known(value.map(item));
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}
