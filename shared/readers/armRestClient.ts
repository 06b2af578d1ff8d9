import type { TokenCredential } from "@azure/core-auth";
import {
  type HttpClient,
  type HttpMethods,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRetryOptions,
  type TlsSettings,
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
} from "@azure/core-rest-pipeline";

export interface ArmRestClientOptions {
  /** ARM endpoint, e.g. `https://management.azure.com` (or the emulator's url). Must be https. */
  readonly endpoint: string;
  readonly tlsOptions?: TlsSettings;
  readonly retryOptions?: PipelineRetryOptions;
  /** Extra policies, such as `countingPolicy`, run on every attempt. */
  readonly perRetryPolicies?: readonly PipelinePolicy[];
}

export interface ArmRestResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | undefined };
  /** Parsed JSON, or undefined for an empty body; `invalidJson` when the body is not JSON. */
  readonly body: unknown;
  readonly invalidJson: boolean;
}

/**
 * A plain ARM client for the calls no installed SDK covers (`/batch`, private endpoints, the subscription list):
 * the SDKs' own pipeline (bearer token, retries for 5xx and for 429/503 with a retry header, TLS options), and
 * JSON in and out. It does not throw on HTTP error statuses; callers classify them.
 */
export class ArmRestClient {
  readonly endpoint: string;
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;

  constructor(credential: TokenCredential, options: ArmRestClientOptions) {
    const endpoint = new URL(options.endpoint);
    if (endpoint.protocol !== "https:") throw new RangeError(`The ARM endpoint must be an https URL; got ${options.endpoint}.`);
    this.endpoint = endpoint.origin;
    this.pipeline = createPipelineFromOptions({
      retryOptions: options.retryOptions,
      tlsOptions: options.tlsOptions,
      userAgentOptions: { userAgentPrefix: "vaultwatch" },
    });
    // The ARM audience follows the endpoint, as arm-keyvault does, so sovereign clouds get their own scope.
    this.pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: `${this.endpoint}/.default` }), { phase: "Sign" });
    for (const policy of options.perRetryPolicies ?? []) this.pipeline.addPolicy(policy, { afterPhase: "Retry" });
    this.httpClient = createDefaultHttpClient();
  }

  /** `pathAndQuery` starts with `/`; an absolute URL (a `nextLink`) must point at this client's endpoint. */
  async send(method: HttpMethods, pathAndQuery: string, options: { body?: unknown; abortSignal?: AbortSignal } = {}): Promise<ArmRestResponse> {
    const url = this.resolve(pathAndQuery);
    const request = createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders({ accept: "application/json", ...(options.body === undefined ? {} : { "content-type": "application/json" }) }),
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      abortSignal: options.abortSignal,
    });
    const response = await this.pipeline.sendRequest(this.httpClient, request);
    const text = response.bodyAsText ?? "";
    let body: unknown;
    let invalidJson = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        invalidJson = true;
      }
    }
    return { status: response.status, headers: { get: (name) => response.headers.get(name) }, body, invalidJson };
  }

  private resolve(pathAndQuery: string): string {
    if (pathAndQuery.startsWith("/") && !pathAndQuery.startsWith("//")) return `${this.endpoint}${pathAndQuery}`;
    let url: URL;
    try {
      url = new URL(pathAndQuery);
    } catch {
      throw new RangeError(`Not an ARM path or URL: ${pathAndQuery.slice(0, 200)}`);
    }
    // A nextLink is followed with our bearer token: never let a response send it elsewhere.
    if (url.origin !== this.endpoint) throw new RangeError(`Refusing to follow a link away from ${this.endpoint}: ${url.origin}`);
    return url.toString();
  }
}
