import type { Dispatcher } from "./dispatcher.js";
import { type EmulatorRequest, type EmulatorResponse, apiVersionOf, errorResponse, jsonResponse, pathSegments } from "./http.js";

export const BATCH_API_VERSION = "2020-06-01";
/**
 * Azure accepts more than 20 requests and then answers 202 with a polling `Location`. vaultwatch never
 * sends more than 20, so the emulator refuses larger batches outright: a reader that starts sending more
 * fails its tests instead of silently exercising a path the emulator does not model.
 */
export const MAX_BATCH_REQUESTS = 20;

interface InnerRequest {
  readonly httpMethod: string;
  readonly name: string | undefined;
  readonly url: string;
}

/** `POST /batch?api-version=2020-06-01`: inner reads answered in order, each with its own status. */
export async function handleBatch(request: EmulatorRequest, dispatcher: Dispatcher, principal: string): Promise<EmulatorResponse> {
  if (request.method !== "POST") return errorResponse(405, "MethodNotAllowed", "The batch endpoint accepts POST only.");
  const apiVersion = apiVersionOf(request.url);
  if (apiVersion !== BATCH_API_VERSION) {
    return errorResponse(400, "InvalidApiVersionParameter", `The batch api-version must be ${BATCH_API_VERSION}; got ${apiVersion ?? "none"}.`);
  }
  const parsed = parseBatchBody(request.body);
  if (typeof parsed === "string") return errorResponse(400, "InvalidBatchRequest", parsed);
  if (parsed.length > MAX_BATCH_REQUESTS) {
    return errorResponse(400, "InvalidBatchRequest", `The emulator accepts at most ${MAX_BATCH_REQUESTS} requests per batch; got ${parsed.length}.`);
  }

  const responses = [];
  for (const inner of parsed) {
    let url: URL;
    try {
      url = new URL(inner.url, request.url.origin);
    } catch {
      responses.push(batchItem(inner.name, errorResponse(400, "InvalidRequestUri", `Cannot parse the url '${inner.url}'.`)));
      continue;
    }
    const innerRequest: EmulatorRequest = {
      method: inner.httpMethod.toUpperCase(),
      url,
      segments: pathSegments(url.pathname),
      headers: request.headers,
      body: Buffer.alloc(0),
      insideBatch: true,
    };
    responses.push(batchItem(inner.name, await dispatcher.dispatchBatchItem(innerRequest, principal)));
  }
  return jsonResponse(200, { responses });
}

function batchItem(name: string | undefined, response: EmulatorResponse): Record<string, unknown> {
  const content = response.json;
  return {
    name,
    httpStatusCode: response.status,
    headers: response.headers ?? {},
    content,
    contentLength: content === undefined ? 0 : Buffer.byteLength(JSON.stringify(content)),
  };
}

function parseBatchBody(body: Buffer): InnerRequest[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return "The body is not valid JSON.";
  }
  const requests = (parsed as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) return "The body must carry a non-empty requests array.";
  const inner: InnerRequest[] = [];
  for (const [index, item] of requests.entries()) {
    const candidate = item as { httpMethod?: unknown; name?: unknown; url?: unknown; relativeUrl?: unknown } | null;
    const url = candidate?.url ?? candidate?.relativeUrl;
    if (typeof candidate?.httpMethod !== "string" || typeof url !== "string" || url.length === 0) {
      return `requests[${index}] needs httpMethod and url (or relativeUrl).`;
    }
    if (candidate.name !== undefined && typeof candidate.name !== "string") return `requests[${index}].name must be a string.`;
    inner.push({ httpMethod: candidate.httpMethod, name: candidate.name as string | undefined, url });
  }
  return inner;
}

/**
 * `/batch` answered asynchronously, as ARM does for its long-running operations: 202 with a `Location` and
 * `Retry-After`, then the same 202 on each poll until the responses are ready (the 200 a direct answer would carry).
 */
export class AcceptedBatches {
  private readonly pending = new Map<string, { response: EmulatorResponse; pollsLeft: number; retryAfterSeconds: number }>();
  private next = 0;

  accept(response: EmulatorResponse, polls: number, retryAfterSeconds: number, origin: string): EmulatorResponse {
    const id = `op-${(this.next += 1)}`;
    this.pending.set(id, { response, pollsLeft: polls, retryAfterSeconds });
    return this.acceptedAnswer(id, retryAfterSeconds, origin);
  }

  /** `GET /batch/operations/{id}`: 202 while the operation runs, then its 200 (once), 404 for an unknown id. */
  poll(request: EmulatorRequest, id: string, origin: string): EmulatorResponse {
    if (request.method !== "GET") return errorResponse(405, "MethodNotAllowed", "Poll the batch operation with GET.");
    const operation = this.pending.get(id);
    if (operation === undefined) return errorResponse(404, "NotFound", `No batch operation ${id}.`);
    operation.pollsLeft -= 1;
    if (operation.pollsLeft > 0) return this.acceptedAnswer(id, operation.retryAfterSeconds, origin);
    this.pending.delete(id);
    return operation.response;
  }

  private acceptedAnswer(id: string, retryAfterSeconds: number, origin: string): EmulatorResponse {
    return {
      status: 202,
      headers: { location: `${origin}/batch/operations/${id}?api-version=${BATCH_API_VERSION}`, "retry-after": String(retryAfterSeconds) },
    };
  }
}
