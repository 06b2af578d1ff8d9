import type { FindingsRow, JsonValue } from "./findingsSchema.js";

/**
 * Logs Ingestion truncates any field value above 64 KB and refuses a call above 1 MB. vaultwatch cuts first,
 * visibly, so a cut is marked in the row instead of happening silently in the service, and so no single row
 * can make a call too large.
 */
export const FIELD_LIMIT_BYTES = 64_000;
/** A record alone must fit one call (1 MB, compressed or not) with room to spare. */
export const RECORD_LIMIT_BYTES = 900_000;
/** What a field is cut to when a record is still too large after every field is within its limit. */
const SQUEEZED_FIELD_BYTES = 4_096;

/** Columns a row cannot lose without losing its identity; they are never squeezed. */
const IDENTITY_COLUMNS = new Set(["TimeGenerated", "RecordType", "RunId", "Trigger", "AzureResourceId", "ControlId", "Status"]);

export interface FittedRecord<T extends FindingsRow> {
  readonly row: T;
  /** Columns whose value was cut, in the order they were cut; empty when the row was left whole. */
  readonly truncatedColumns: readonly string[];
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Longest prefix of `text` within `maxBytes` of UTF-8 that does not split a character. */
function prefixWithin(text: string, maxBytes: number): string {
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (utf8Bytes(text.slice(0, middle)) <= maxBytes) low = middle;
    else high = middle - 1;
  }
  let end = low;
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end);
}

function cutString(value: string, maxBytes: number): string {
  const original = utf8Bytes(value);
  const marker = ` …[cut by vaultwatch from ${original} bytes]`;
  return prefixWithin(value, Math.max(0, maxBytes - utf8Bytes(marker))) + marker;
}

function cutDynamic(serialised: string, maxBytes: number): JsonValue {
  const originalBytes = utf8Bytes(serialised);
  // The preview is JSON inside a JSON string, so escaping grows it: shrink until the whole value fits.
  let previewBytes = Math.max(0, maxBytes - 128);
  for (;;) {
    const cutValue = { truncated: true, originalBytes, preview: prefixWithin(serialised, previewBytes) };
    const size = utf8Bytes(JSON.stringify(cutValue));
    if (size <= maxBytes || previewBytes === 0) return cutValue;
    previewBytes = Math.max(0, previewBytes - (size - maxBytes) - 16);
  }
}

function fieldBytes(value: unknown): number {
  return typeof value === "string" ? utf8Bytes(value) : utf8Bytes(JSON.stringify(value) ?? "");
}

function cut(value: unknown, maxBytes: number): unknown {
  if (typeof value === "string") return utf8Bytes(value) > maxBytes ? cutString(value, maxBytes) : value;
  if (typeof value === "object" && value !== null) {
    const serialised = JSON.stringify(value);
    return utf8Bytes(serialised) > maxBytes ? cutDynamic(serialised, maxBytes) : value;
  }
  return value;
}

/**
 * The row cut to the service's limits: every field within `fieldLimit`, the whole record within
 * `recordLimit` (largest non-identity fields squeezed first). Rows within limits come back unchanged.
 */
export function fitRecord<T extends FindingsRow>(
  row: T,
  limits: { readonly fieldLimit: number; readonly recordLimit: number } = { fieldLimit: FIELD_LIMIT_BYTES, recordLimit: RECORD_LIMIT_BYTES },
): FittedRecord<T> {
  const truncated: string[] = [];
  const fields: Record<string, unknown> = { ...row };
  for (const [column, value] of Object.entries(fields)) {
    const fitted = cut(value, limits.fieldLimit);
    if (fitted !== value) {
      fields[column] = fitted;
      truncated.push(column);
    }
  }
  const squeezeTo = Math.min(SQUEEZED_FIELD_BYTES, limits.fieldLimit);
  let total = utf8Bytes(JSON.stringify(fields));
  while (total > limits.recordLimit) {
    const candidates = Object.entries(fields)
      .filter(([column, value]) => !IDENTITY_COLUMNS.has(column) && fieldBytes(value) > squeezeTo)
      .sort(([, a], [, b]) => fieldBytes(b) - fieldBytes(a));
    const largest = candidates[0];
    if (largest === undefined) break;
    const [column, value] = largest;
    fields[column] = cut(value, squeezeTo);
    if (!truncated.includes(column)) truncated.push(column);
    total = utf8Bytes(JSON.stringify(fields));
  }
  return { row: (truncated.length === 0 ? row : fields) as T, truncatedColumns: truncated };
}

/** Much tighter limits, for a record the service still refused as too large. */
export const LAST_RESORT_LIMITS = { fieldLimit: 4_096, recordLimit: 32_768 } as const;
