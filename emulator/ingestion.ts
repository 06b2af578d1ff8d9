import { gunzipSync } from "node:zlib";
import { type EmulatorRequest, type EmulatorResponse, apiVersionOf, errorResponse } from "./http.js";
import type { Knobs } from "./knobs.js";

export const INGESTION_API_VERSION = "2023-01-01";

/** A stream declaration: the column names a DCR stream accepts. Other fields are dropped, as Azure drops them. */
export type StreamColumns = readonly { readonly name: string; readonly type: string }[];

/**
 * Data collection rules the emulator knows, by immutable id, each with its streams (`"anyColumns"` keeps records
 * whole). When none are given, any well-formed `dcr-…` id and any `Custom-…` stream is accepted, records whole.
 */
export type DataCollectionRules = Readonly<Record<string, Readonly<Record<string, StreamColumns | "anyColumns">>>>;

export type IngestedRecord = Readonly<Record<string, unknown>>;

export interface AcceptedUpload {
  readonly requestId: string | undefined;
  readonly dcrImmutableId: string;
  readonly stream: string;
  readonly records: number;
  readonly bodyBytes: number;
  readonly uncompressedBytes: number;
  readonly gzipped: boolean;
}

/** Every record the Logs Ingestion endpoint accepted (answered 204 for), per stream, in arrival order. */
export class IngestionLedger {
  private readonly recordsByStream = new Map<string, IngestedRecord[]>();
  private readonly dropped = new Map<string, Set<string>>();
  readonly uploads: AcceptedUpload[] = [];

  records(stream: string): readonly IngestedRecord[] {
    return this.recordsByStream.get(stream) ?? [];
  }

  streams(): string[] {
    return [...this.recordsByStream.keys()];
  }

  /** Field names that arrived but are not declared in the stream, so Azure would have dropped them. */
  droppedFields(stream: string): ReadonlySet<string> {
    return this.dropped.get(stream) ?? new Set();
  }

  totalRecords(): number {
    let total = 0;
    for (const records of this.recordsByStream.values()) total += records.length;
    return total;
  }

  clear(): void {
    this.recordsByStream.clear();
    this.dropped.clear();
    this.uploads.length = 0;
  }

  accept(upload: AcceptedUpload, records: readonly IngestedRecord[], droppedFields: Iterable<string>): void {
    let kept = this.recordsByStream.get(upload.stream);
    if (kept === undefined) {
      kept = [];
      this.recordsByStream.set(upload.stream, kept);
    }
    for (const record of records) kept.push(record);
    let droppedSet = this.dropped.get(upload.stream);
    if (droppedSet === undefined) {
      droppedSet = new Set();
      this.dropped.set(upload.stream, droppedSet);
    }
    for (const field of droppedFields) droppedSet.add(field);
    this.uploads.push(upload);
  }
}

const DCR_IMMUTABLE_ID = /^dcr-[0-9a-f]{32}$/i;

/** `POST /dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01` */
export function handleIngestion(
  request: EmulatorRequest,
  dcrImmutableId: string,
  stream: string,
  rules: DataCollectionRules | undefined,
  knobs: Knobs,
  ledger: IngestionLedger,
): EmulatorResponse {
  if (request.method !== "POST") return errorResponse(405, "MethodNotAllowed", "Logs Ingestion accepts POST only.");
  const apiVersion = apiVersionOf(request.url);
  if (apiVersion !== INGESTION_API_VERSION) {
    return errorResponse(400, "InvalidApiVersion", `api-version must be ${INGESTION_API_VERSION}; got ${apiVersion ?? "none"}.`);
  }
  if (!DCR_IMMUTABLE_ID.test(dcrImmutableId)) {
    return errorResponse(404, "NotFound", `Data collection rule ${dcrImmutableId} is not an immutable id (dcr-<32 hex>).`);
  }
  let columns: StreamColumns | undefined;
  if (rules !== undefined) {
    const streams = rules[dcrImmutableId];
    if (streams === undefined) return errorResponse(404, "NotFound", `Data collection rule ${dcrImmutableId} does not exist.`);
    const declared = streams[stream];
    if (declared === undefined) {
      return errorResponse(400, "InvalidStream", `Stream ${stream} is not declared in data collection rule ${dcrImmutableId}.`);
    }
    columns = declared === "anyColumns" ? undefined : declared;
  } else if (!stream.startsWith("Custom-")) {
    return errorResponse(400, "InvalidStream", `Stream ${stream} is not a custom stream (Custom-<name>).`);
  }

  const limit = knobs.ingestion.maxRequestBytes;
  if (request.body.length > limit) {
    return errorResponse(413, "ContentLengthLimitExceeded", `The request body is ${request.body.length} bytes; the limit is ${limit} bytes.`);
  }
  const gzipped = (request.headers["content-encoding"] ?? "").toLowerCase() === "gzip";
  let text: Buffer;
  try {
    // Stop inflating just past the limit: a small gzip body can expand without bound.
    text = gzipped ? gunzipSync(request.body, { maxOutputLength: limit + 1 }) : request.body;
  } catch (error) {
    if (error instanceof RangeError) {
      return errorResponse(413, "ContentLengthLimitExceeded", `The uncompressed body exceeds the limit of ${limit} bytes.`);
    }
    return errorResponse(400, "InvalidContentEncoding", "The body is marked gzip but does not decompress.");
  }
  if (text.length > limit) {
    return errorResponse(413, "ContentLengthLimitExceeded", `The uncompressed body is ${text.length} bytes; the limit is ${limit} bytes.`);
  }
  const contentType = (request.headers["content-type"] ?? "").toLowerCase();
  if (!contentType.startsWith("application/json")) {
    return errorResponse(415, "UnsupportedMediaType", "Content-Type must be application/json.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.toString("utf8"));
  } catch {
    return errorResponse(400, "InvalidPayload", "The body is not valid JSON.");
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "object" && item !== null && !Array.isArray(item))) {
    return errorResponse(400, "InvalidPayload", "The body must be a JSON array of objects.");
  }

  const declared = columns === undefined ? undefined : new Set(columns.map((column) => column.name));
  const dropped = new Set<string>();
  const records = (parsed as Record<string, unknown>[]).map((record) => {
    if (declared === undefined) return record;
    const kept: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(record)) {
      if (declared.has(field)) kept[field] = value;
      else dropped.add(field);
    }
    return kept;
  });
  ledger.accept(
    {
      requestId: request.headers["x-ms-client-request-id"],
      dcrImmutableId,
      stream,
      records: records.length,
      bodyBytes: request.body.length,
      uncompressedBytes: text.length,
      gzipped,
    },
    records,
    dropped,
  );
  return { status: 204 };
}
