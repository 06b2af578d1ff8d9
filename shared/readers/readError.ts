import { isRestError } from "@azure/core-rest-pipeline";

export type AzureService = "Resource Graph" | "Azure Resource Manager";

/** A read that failed after the SDK's retries: carries what the service said, for logs and support requests. */
export class AzureReadError extends Error {
  override readonly name = "AzureReadError";
  readonly service: AzureService;
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;

  constructor(
    message: string,
    details: { service: AzureService; statusCode?: number; code?: string; requestId?: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.service = details.service;
    this.statusCode = details.statusCode;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

/** Wraps whatever a read threw: a `RestError` keeps its status, code and request id; anything else its message. */
export function toAzureReadError(service: AzureService, what: string, error: unknown): AzureReadError {
  if (error instanceof AzureReadError) return error;
  if (isRestError(error)) {
    const requestId = error.response?.headers.get("x-ms-request-id") ?? undefined;
    const status = error.statusCode;
    return new AzureReadError(
      `${service} refused ${what}: ${status ?? "no response"}${error.code ? ` ${error.code}` : ""}: ${error.message}${requestId ? ` (request id ${requestId})` : ""}`,
      { service, statusCode: status, code: error.code, requestId, cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AzureReadError(`${service}: ${what} failed: ${message}`, { service, cause: error });
}
