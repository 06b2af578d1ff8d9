import { randomUUID } from "node:crypto";
import type { RetryAfterStyle } from "./knobs.js";

/** A request as the handlers see it, whether it came over the wire or inside a `/batch` call. */
export interface EmulatorRequest {
  readonly method: string;
  readonly url: URL;
  /** Path segments, decoded, with empty segments (from `//`) removed. */
  readonly segments: readonly string[];
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  /** Set for the inner requests of a `/batch` call. */
  readonly insideBatch: boolean;
}

export interface EmulatorResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised as JSON; absent for an empty body. */
  readonly json?: unknown;
}

export function jsonResponse(status: number, json: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return { status, json, headers };
}

/** ARM's `CloudError` shape; the error code is echoed in `x-ms-error-code` as the data-plane APIs do. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return { status, json: { error: { code, message } }, headers: { "x-ms-error-code": code, ...headers } };
}

export function retryAfterHeaders(style: RetryAfterStyle, milliseconds: number): Record<string, string> {
  switch (style) {
    case "seconds":
      return { "retry-after": String(Math.max(1, Math.ceil(milliseconds / 1000))) };
    case "milliseconds":
      return { "retry-after-ms": String(Math.max(0, Math.ceil(milliseconds))) };
    case "none":
      return {};
  }
}

export function defaultErrorCode(status: number): string {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "AuthenticationFailed";
    case 403:
      return "AuthorizationFailed";
    case 404:
      return "ResourceNotFound";
    case 409:
      return "Conflict";
    case 413:
      return "ContentLengthLimitExceeded";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalServerError";
    case 502:
      return "BadGateway";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "GatewayTimeout";
    default:
      return "Error";
  }
}

export function requestIdHeaders(): Record<string, string> {
  const id = randomUUID();
  return { "x-ms-request-id": id, "x-ms-correlation-request-id": id };
}

/** Splits a path into decoded segments, dropping empty ones so `//subscriptions/…` matches `/subscriptions/…`. */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split("/")
    .filter((segment) => segment.length > 0)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

export function apiVersionOf(url: URL): string | undefined {
  // URLSearchParams decodes, so ingestion's `api%2Dversion` is found too.
  return url.searchParams.get("api-version") ?? undefined;
}
