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

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "EPROTO",
]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME"]);
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "ECONNABORTED", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT"]);

/**
 * What happened, in words a person can act on, from what the SDK threw: a TLS failure, a name that does not
 * resolve, a refused connection, a timeout, 401 or 403 each get their own sentence and what to do about it.
 */
export function describeReadFailure(service: AzureService, what: string, error: { code?: string; statusCode?: number; message: string }): string {
  const code = error.code ?? "";
  const status = error.statusCode;
  if (TLS_CODES.has(code) || code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS")) {
    return `${service}: ${what} failed because the TLS connection could not be trusted (${code}: ${error.message}). The server's certificate is not one this machine trusts: for the emulator pass --emulator-ca (or set NODE_EXTRA_CA_CERTS); behind a TLS-inspecting proxy add its CA to NODE_EXTRA_CA_CERTS.`;
  }
  if (DNS_CODES.has(code)) {
    return `${service}: ${what} failed because the host name could not be resolved (${code}: ${error.message}). Check the endpoint (--arm-endpoint, AZURE_ARM_ENDPOINT or --emulator-url) and this machine's DNS and network.`;
  }
  if (code === "ECONNREFUSED") {
    return `${service}: ${what} failed because the connection was refused (${error.message}): nothing listens at that address. Check the endpoint and port, and that the emulator is running if you meant it.`;
  }
  if (code === "ECONNRESET") {
    return `${service}: ${what} failed because the connection was reset (${error.message}). A proxy or firewall may be cutting connections; try again, or check the network path.`;
  }
  if (TIMEOUT_CODES.has(code) || error.message.toLowerCase().includes("timed out") || code === "AbortError") {
    return `${service}: ${what} timed out (${code || error.message}). Check the network path to the endpoint (proxy, firewall, VPN) and try again.`;
  }
  if (status === 401) {
    return `${service} refused ${what}: 401 ${code || "Unauthorized"}: the credential was not accepted. Sign in again (az login) or check the service principal's secret or the managed identity. ${error.message}`;
  }
  if (status === 403) {
    return `${service} refused ${what}: 403 ${code || "Forbidden"}: the identity lacks read access. Grant it Reader (or the vaultwatch reader role) on the scope. ${error.message}`;
  }
  if (status !== undefined) return `${service} refused ${what}: ${status}${code ? ` ${code}` : ""}: ${error.message}`;
  return `${service}: ${what} failed: ${code ? `${code}: ` : ""}${error.message}`;
}

/** Wraps whatever a read threw: a `RestError` keeps its status, code and request id; anything else its message. */
export function toAzureReadError(service: AzureService, what: string, error: unknown): AzureReadError {
  if (error instanceof AzureReadError) return error;
  if (isRestError(error)) {
    const requestId = error.response?.headers.get("x-ms-request-id") ?? undefined;
    const status = error.statusCode;
    return new AzureReadError(`${describeReadFailure(service, what, error)}${requestId ? ` (request id ${requestId})` : ""}`, {
      service,
      statusCode: status,
      code: error.code,
      requestId,
      cause: error,
    });
  }
  const failure = error instanceof Error ? error : new Error(String(error));
  // Credential errors (@azure/identity) say how to sign in; keep their words.
  if (failure.name === "CredentialUnavailableError" || failure.name === "AuthenticationRequiredError" || failure.name === "AuthenticationError") {
    return new AzureReadError(
      `${service}: ${what} failed because no Azure credential could sign in (${failure.name}): ${failure.message.split("\n")[0]} Sign in with az login, or set the AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET environment variables.`,
      { service, cause: error },
    );
  }
  const code = (failure as { code?: unknown }).code;
  return new AzureReadError(describeReadFailure(service, what, { code: typeof code === "string" ? code : undefined, message: failure.message }), {
    service,
    cause: error,
  });
}
