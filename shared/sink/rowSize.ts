import { gzipSync } from "node:zlib";
import type { FindingsRow } from "./findingsSchema.js";
import { utf8Bytes } from "./recordLimits.js";

/**
 * Estimated billed size of a row. Microsoft bills "a string representation of the properties that are stored",
 * excluding the standard columns (`_ResourceId`, `_SubscriptionId`, `_ItemId`, `_IsBillable`, `_BilledSize`,
 * `Type`). This counts the UTF-8 bytes of each stored value's text (dynamic values as JSON); column names and
 * absent columns cost nothing. An estimate: `_BilledSize` in the workspace is the authority.
 */
export function estimatedBilledBytes(row: FindingsRow): number {
  let bytes = 0;
  for (const value of Object.values(row)) {
    if (value === undefined || value === null) continue;
    bytes += typeof value === "string" ? utf8Bytes(value) : utf8Bytes(JSON.stringify(value));
  }
  return bytes;
}

export interface BytesDistribution {
  readonly mean: number;
  readonly p95: number;
  readonly max: number;
}

export interface RowBytesReport {
  /** Distinct resources (case-insensitive id) among the finding rows. */
  readonly resources: number;
  readonly findingRows: number;
  /** Estimated billed bytes per resource per evaluation (the figure Log Analytics charges for). */
  readonly billedBytesPerResource: BytesDistribution;
  /** Uncompressed JSON the SDK serialises per resource (column names included). */
  readonly jsonBytesPerResource: number;
  /** Gzipped request bytes per resource, as the SDK sends them (approximated over the whole set). */
  readonly gzipBytesPerResource: number;
  /** Mean estimated billed bytes per resource spent in each column, largest first. */
  readonly billedBytesByColumn: readonly { readonly column: string; readonly bytesPerResource: number }[];
}

function distribution(values: number[]): BytesDistribution {
  if (values.length === 0) return { mean: 0, p95: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0;
  return { mean: Math.round(mean), p95, max: sorted[sorted.length - 1] ?? 0 };
}

/** Bytes per resource for one evaluation's rows of each resource (e.g. one sweep); RunSummary rows are left out. */
export function measureRowBytes(rows: Iterable<FindingsRow>): RowBytesReport {
  const billedByResource = new Map<string, number>();
  const billedByColumn = new Map<string, number>();
  const findingRows: FindingsRow[] = [];
  for (const row of rows) {
    if (row.RecordType !== "Finding") continue;
    findingRows.push(row);
    const key = row.AzureResourceId.toLowerCase();
    billedByResource.set(key, (billedByResource.get(key) ?? 0) + estimatedBilledBytes(row));
    for (const [column, value] of Object.entries(row)) {
      if (value === undefined || value === null) continue;
      const bytes = typeof value === "string" ? utf8Bytes(value) : utf8Bytes(JSON.stringify(value));
      billedByColumn.set(column, (billedByColumn.get(column) ?? 0) + bytes);
    }
  }
  const resources = billedByResource.size;
  const perResource = (total: number) => (resources === 0 ? 0 : Math.round(total / resources));
  const json = JSON.stringify(findingRows);
  return {
    resources,
    findingRows: findingRows.length,
    billedBytesPerResource: distribution([...billedByResource.values()]),
    jsonBytesPerResource: perResource(utf8Bytes(json)),
    gzipBytesPerResource: perResource(gzipSync(json).length),
    billedBytesByColumn: [...billedByColumn.entries()]
      .map(([column, total]) => ({ column, bytesPerResource: perResource(total) }))
      .sort((a, b) => b.bytesPerResource - a.bytesPerResource),
  };
}
