/** Anything that can look up a header by name, case-insensitively: SDK `HttpHeaders`, or a `/batch` item's record. */
export interface HeaderLookup {
  get(name: string): string | undefined;
}

export function headerLookup(record: Readonly<Record<string, unknown>> | undefined): HeaderLookup {
  const lowered = new Map<string, string>();
  for (const [name, value] of Object.entries(record ?? {})) if (typeof value === "string") lowered.set(name.toLowerCase(), value);
  return { get: (name) => lowered.get(name.toLowerCase()) };
}

/**
 * The wait a 429 or 503 asks for, from `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds) or `Retry-After`
 * (seconds or an HTTP date), in the order the SDK's own retry policy reads them; undefined when none is usable.
 */
export function retryAfterMs(headers: HeaderLookup, now: number = Date.now()): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    const value = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get("retry-after");
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (retryAfter.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Parses a .NET TimeSpan as Resource Graph sends it in `x-ms-user-quota-resets-after`: `[d.]hh:mm:ss[.fffffff]`. */
export function timeSpanMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (match === null) return undefined;
  const [, days, hours, minutes, seconds, fraction] = match;
  const wholeSeconds = Number(days ?? 0) * 86_400 + Number(hours) * 3_600 + Number(minutes) * 60 + Number(seconds);
  const fractionMs = fraction === undefined ? 0 : Number(`0.${fraction}`) * 1000;
  return wholeSeconds * 1000 + fractionMs;
}

/**
 * How long to wait for Resource Graph's quota to reset, from `x-ms-user-quota-resets-after`. Azure documents the
 * header as `hh:mm:ss`: whole seconds, so `00:00:03` means the reset comes within the next 3 to 4 seconds and
 * `00:00:00` within the next second, never "now". Waiting to the end of that second is what keeps a reader that was
 * told `00:00:00` from retrying at once and spending its attempts in a burst. A fraction, when sent, is taken as exact.
 */
export function quotaResetWaitMs(text: string | undefined): number | undefined {
  const span = timeSpanMs(text);
  if (span === undefined || text === undefined) return undefined;
  return text.includes(".") && /:\d{2}\.\d+$/.test(text.trim()) ? span : span + 1000;
}
