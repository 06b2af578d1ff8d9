import type { QueryRequest, QueryResponse, ResourcesOptionalParams } from "@azure/arm-resourcegraph";
import { isRestError } from "@azure/core-rest-pipeline";
import { foldProjectedColumns } from "../normalise/postureRow.js";
import { AzureReadError, toAzureReadError } from "./readError.js";
import type { ReaderStats, ThrottleWait } from "./readerStats.js";
import { sleep } from "./sleep.js";
import { type HeaderLookup, quotaResetWaitMs, retryAfterMs } from "./throttleHeaders.js";

/**
 * The one query vaultwatch sends: both Key Vault types, only the properties the controls read, ordered by the
 * unique `id` so that `$skipToken` paging neither repeats nor skips rows. No `take`/`limit` (they disable paging).
 * The emulator recognises this text; change both together (and the Kusto-parser test checks both).
 */
export const POSTURE_QUERY = `Resources
| where type in~ ('microsoft.keyvault/vaults', 'microsoft.keyvault/managedhsms')
| project id, name, type, location, tags,
    publicNetworkAccess = properties.publicNetworkAccess,
    networkAcls = properties.networkAcls,
    privateEndpointConnections = properties.privateEndpointConnections,
    enableSoftDelete = properties.enableSoftDelete,
    softDeleteRetentionInDays = properties.softDeleteRetentionInDays,
    enablePurgeProtection = properties.enablePurgeProtection,
    enableRbacAuthorization = properties.enableRbacAuthorization,
    securityDomainProperties = properties.securityDomainProperties
| order by id asc`;

export const MAX_PAGE_SIZE = 1000;
/** The throttling guidance advises groups of fewer than 300 subscriptions per query. */
export const DEFAULT_SUBSCRIPTIONS_PER_QUERY = 250;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MANAGEMENT_GROUP_ID = /^[A-Za-z0-9_\-().]{1,90}$/;

export type ResourceGraphScope =
  | { readonly kind: "subscriptions"; readonly subscriptionIds: readonly string[] }
  | { readonly kind: "managementGroups"; readonly managementGroupIds: readonly string[] }
  /** Every subscription the identity can read. */
  | { readonly kind: "tenant" };

export interface ResourceGraphPage {
  /** Rows in the ARM GET shape (`properties` rebuilt; properties the row had as null left out, as ARM leaves them out). */
  readonly resources: readonly unknown[];
  /** 1-based across the whole read. */
  readonly pageNumber: number;
  /** Which scope group (subscription batch) the page belongs to, 1-based, and how many there are. */
  readonly scopeBatch: number;
  readonly scopeBatches: number;
  /** Resource Graph's count for the current scope group. */
  readonly totalRecords: number;
}

/** The slice of `ResourceGraphClient` the reader uses, so tests and the Functions inject their own. */
export interface ResourceGraphQueryClient {
  resources(query: QueryRequest, options?: ResourcesOptionalParams): Promise<QueryResponse>;
}

export interface ResourceGraphReaderOptions {
  /** Rows per page, 1–1000 (default 1000). */
  readonly pageSize?: number;
  /** Subscriptions per query (default 250, at most 1000). */
  readonly subscriptionsPerQuery?: number;
  /** Consecutive 429s tolerated for one page before the read fails (default 8). */
  readonly maxThrottledAttempts?: number;
  /** Wait after a 429 that carries neither a retry header nor the quota reset header (default 5 s, one quota window). */
  readonly fallbackThrottleDelayMs?: number;
  readonly stats?: ReaderStats;
  readonly onThrottleWait?: (wait: ThrottleWait) => void;
}

export interface ReadOptions {
  readonly abortSignal?: AbortSignal;
}

/**
 * Reads every vault and Managed HSM in a scope from Resource Graph, page by page (an async iterator, so memory
 * stays at one page whatever the estate's size). Paces itself from the quota headers so that a lone reader is
 * never throttled, and when it is (other callers share the principal's quota) waits as the 429 or the reset header
 * says and resends the same page. A result truncated without a skip token is an error, never a silent partial sweep.
 */
export class ResourceGraphReader {
  private readonly pageSize: number;
  private readonly subscriptionsPerQuery: number;
  private readonly maxThrottledAttempts: number;
  private readonly fallbackThrottleDelayMs: number;
  /** The quota as the last response reported it. */
  private quota: { remaining: number; resetsAt: number } | undefined;

  constructor(
    private readonly client: ResourceGraphQueryClient,
    private readonly options: ResourceGraphReaderOptions = {},
  ) {
    this.pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > MAX_PAGE_SIZE) {
      throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}; got ${this.pageSize}.`);
    }
    this.subscriptionsPerQuery = options.subscriptionsPerQuery ?? DEFAULT_SUBSCRIPTIONS_PER_QUERY;
    if (!Number.isInteger(this.subscriptionsPerQuery) || this.subscriptionsPerQuery < 1 || this.subscriptionsPerQuery > 1000) {
      throw new RangeError(`subscriptionsPerQuery must be an integer from 1 to 1000; got ${this.subscriptionsPerQuery}.`);
    }
    this.maxThrottledAttempts = options.maxThrottledAttempts ?? 8;
    this.fallbackThrottleDelayMs = options.fallbackThrottleDelayMs ?? 5_000;
  }

  async *pages(scope: ResourceGraphScope, options: ReadOptions = {}): AsyncGenerator<ResourceGraphPage> {
    const groups = scopeGroups(scope, this.subscriptionsPerQuery);
    let pageNumber = 0;
    for (const [index, group] of groups.entries()) {
      let skipToken: string | undefined;
      do {
        const response = await this.query(group, skipToken, options.abortSignal);
        pageNumber += 1;
        const data = Array.isArray(response.data) ? (response.data as unknown[]) : undefined;
        if (data === undefined) {
          throw new AzureReadError("Resource Graph answered without a data array (resultFormat objectArray was requested).", { service: "Resource Graph" });
        }
        skipToken = typeof response.skipToken === "string" && response.skipToken.length > 0 ? response.skipToken : undefined;
        // resultTruncated is the string "true"/"false"; a boolean would be a contract change, so read both.
        const truncated = String(response.resultTruncated).toLowerCase() === "true";
        if (truncated && skipToken === undefined) {
          throw new AzureReadError(
            `Resource Graph truncated the result (${response.count} of ${response.totalRecords} records) without a skip token, so the rest cannot be read; refusing a partial sweep.`,
            { service: "Resource Graph" },
          );
        }
        yield {
          // Rows fold back into the ARM shape through the normaliser's own fold (PROJECTED_PROPERTIES in shared/normalise).
          resources: data.map((row) => foldProjectedColumns(row)),
          pageNumber,
          scopeBatch: index + 1,
          scopeBatches: groups.length,
          totalRecords: Number(response.totalRecords),
        };
      } while (skipToken !== undefined);
    }
  }

  private async query(group: Omit<QueryRequest, "query" | "options">, skipToken: string | undefined, abortSignal: AbortSignal | undefined): Promise<QueryResponse> {
    const request: QueryRequest = {
      ...group,
      query: POSTURE_QUERY,
      // allowPartialScopes stays false: a scope too large to answer must fail, not quietly shrink.
      options: { top: this.pageSize, resultFormat: "objectArray", allowPartialScopes: false, ...(skipToken === undefined ? {} : { skipToken }) },
    };
    for (let attempt = 1; ; attempt += 1) {
      await this.paceFromQuota(abortSignal);
      let subscriptionLimitHit = false;
      try {
        const response = await this.client.resources(request, {
          abortSignal,
          onResponse: (raw) => {
            this.observeQuota(raw.headers);
            subscriptionLimitHit = raw.headers.get("x-ms-tenant-subscription-limit-hit")?.toLowerCase() === "true";
          },
        });
        if (subscriptionLimitHit) {
          // Past 10,000 subscriptions a tenant-wide query silently covers only the first 10,000.
          throw new AzureReadError(
            "Resource Graph answered for only part of the tenant (x-ms-tenant-subscription-limit-hit); scan by management group or subscription list instead.",
            { service: "Resource Graph" },
          );
        }
        return response;
      } catch (error) {
        if (!isRestError(error) || error.statusCode !== 429 || attempt >= this.maxThrottledAttempts) {
          if (isRestError(error) && error.statusCode === 429) {
            throw toAzureReadError("Resource Graph", `the query after ${attempt} throttled attempts`, error);
          }
          throw toAzureReadError("Resource Graph", "the query", error);
        }
        const headers = error.response?.headers;
        if (headers !== undefined) this.observeQuota(headers);
        const wait =
          (headers && retryAfterMs(headers)) ??
          (headers && quotaResetWaitMs(headers.get("x-ms-user-quota-resets-after") ?? undefined)) ??
          this.fallbackThrottleDelayMs;
        this.reportWait({ service: "Resource Graph", milliseconds: wait, cause: "throttled" });
        await sleep(wait, abortSignal);
        this.quota = undefined;
      }
    }
  }

  private observeQuota(headers: HeaderLookup): void {
    const remaining = Number(headers.get("x-ms-user-quota-remaining"));
    const resetsAfter = quotaResetWaitMs(headers.get("x-ms-user-quota-resets-after") ?? undefined);
    if (headers.get("x-ms-user-quota-remaining") === undefined || !Number.isFinite(remaining) || resetsAfter === undefined) return;
    this.quota = { remaining, resetsAt: Date.now() + resetsAfter };
  }

  private async paceFromQuota(abortSignal: AbortSignal | undefined): Promise<void> {
    const quota = this.quota;
    if (quota === undefined || quota.remaining > 0) return;
    const wait = quota.resetsAt - Date.now();
    if (wait > 0) {
      this.reportWait({ service: "Resource Graph", milliseconds: wait, cause: "quota" });
      await sleep(wait, abortSignal);
    }
    this.quota = undefined;
  }

  private reportWait(wait: ThrottleWait): void {
    this.options.stats?.recordWait(wait);
    this.options.onThrottleWait?.(wait);
  }
}

function scopeGroups(scope: ResourceGraphScope, subscriptionsPerQuery: number): Omit<QueryRequest, "query" | "options">[] {
  switch (scope.kind) {
    case "tenant":
      return [{}];
    case "managementGroups": {
      if (scope.managementGroupIds.length === 0) throw new RangeError("At least one management group id is needed.");
      for (const id of scope.managementGroupIds) {
        if (!MANAGEMENT_GROUP_ID.test(id)) throw new RangeError(`"${id.slice(0, 100)}" is not a management group id.`);
      }
      return [{ managementGroups: uniqueCaseInsensitive(scope.managementGroupIds) }];
    }
    case "subscriptions": {
      if (scope.subscriptionIds.length === 0) throw new RangeError("At least one subscription id is needed.");
      for (const id of scope.subscriptionIds) {
        if (!GUID.test(id)) throw new RangeError(`"${id.slice(0, 100)}" is not a subscription id (a GUID).`);
      }
      const unique = uniqueCaseInsensitive(scope.subscriptionIds);
      const groups: Omit<QueryRequest, "query" | "options">[] = [];
      for (let start = 0; start < unique.length; start += subscriptionsPerQuery) {
        groups.push({ subscriptions: unique.slice(start, start + subscriptionsPerQuery) });
      }
      return groups;
    }
  }
}

function uniqueCaseInsensitive(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = value.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
