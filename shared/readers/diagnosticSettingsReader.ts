import { armIdKey } from "../model/armId.js";
import type { ArmRestClient, ArmRestResponse } from "./armRestClient.js";
import { parseKeyVaultId } from "./keyVaultResourceReader.js";
import { AzureReadError, toAzureReadError } from "./readError.js";
import type { ReaderStats, ThrottleWait } from "./readerStats.js";
import { sleep } from "./sleep.js";
import { SubscriptionReadPacer } from "./subscriptionReadPacer.js";
import { headerLookup, retryAfterMs } from "./throttleHeaders.js";

export const DIAGNOSTIC_SETTINGS_API_VERSION = "2021-05-01-preview";
export const BATCH_API_VERSION = "2020-06-01";
/** ARM's `/batch` takes up to 20 requests in one call. */
export const MAX_BATCH_SIZE = 20;

export type DiagnosticSettingsResult =
  | { readonly state: "read"; readonly settings: readonly unknown[] }
  /** The logging controls of this resource (and only this one) become Unknown with this reason. */
  | { readonly state: "unreadable"; readonly reason: string };

export interface DiagnosticSettingsReaderOptions {
  /** `/batch` calls in flight at once (default 4). */
  readonly concurrency?: number;
  /** Tries per resource before it is reported unreadable (default 6). */
  readonly maxAttempts?: number;
  /** First back-off after a 429 without a retry header, or a failed call; doubles per attempt (default 1 s). */
  readonly backoffMs?: number;
  /** Polls of a batch ARM accepted (202) before it is given up and retried (default 60). */
  readonly maxBatchPolls?: number;
  /** The ARM read bucket to pace against (documented: 250 burst, 25/s per subscription). */
  readonly readBurst?: number;
  readonly readRefillPerSecond?: number;
  /** Extra wait on top of a paced wait, for the time a request takes to reach ARM (default 50 ms). */
  readonly pacingMarginMs?: number;
  readonly stats?: ReaderStats;
  readonly onThrottleWait?: (wait: ThrottleWait) => void;
}

/** The reason a resource's diagnostic settings could not be read; scan and the emulator's export share it. */
export function diagnosticSettingsFailureReason(status: number | undefined, code: string | undefined): string {
  if (status === 403) {
    return `Diagnostic settings could not be read: 403 ${code ?? "Forbidden"} (the identity needs Microsoft.Insights/diagnosticSettings/read, e.g. Reader, on the resource).`;
  }
  if (status === 404) return `Diagnostic settings could not be read: 404 ${code ?? "NotFound"} (the resource no longer exists).`;
  return `Diagnostic settings could not be read: ${status ?? "no response"}${code ? ` ${code}` : ""}.`;
}

/** The raw resource with its diagnostic settings beside it, in the keys the normaliser reads. */
export function withDiagnosticSettings(resource: unknown, result: DiagnosticSettingsResult): unknown {
  if (typeof resource !== "object" || resource === null || Array.isArray(resource)) return resource;
  return result.state === "read"
    ? { ...resource, diagnosticSettings: result.settings }
    : { ...resource, diagnosticSettingsError: result.reason };
}

interface Pending {
  readonly index: number;
  readonly id: string;
  readonly subscriptionId: string;
  attempts: number;
  notBefore: number;
  lastProblem: string;
}

/**
 * Reads diagnostic settings of vaults and HSMs through ARM `/batch`, 20 resources per call, a bounded number of
 * calls at once, paced per subscription against ARM's read bucket. Each resource's outcome is its own: a 403,
 * a 404 or repeated failures make that resource's settings unreadable and leave the others alone. Throttled or
 * failed items are retried after the wait the service asked for (or a doubling back-off).
 */
export class DiagnosticSettingsReader {
  private readonly concurrency: number;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBatchPolls: number;
  private readonly pacer: SubscriptionReadPacer;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly arm: ArmRestClient,
    private readonly options: DiagnosticSettingsReaderOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 4;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.maxBatchPolls = options.maxBatchPolls ?? 60;
    this.backoffMs = options.backoffMs ?? 1_000;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError("concurrency must be a positive integer.");
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError("maxAttempts must be a positive integer.");
    this.pacer = new SubscriptionReadPacer(options.readBurst, options.readRefillPerSecond, options.pacingMarginMs);
  }

  /** Results in the order of `resourceIds`; never throws for one resource's failure. */
  async read(resourceIds: readonly string[], options: { abortSignal?: AbortSignal } = {}): Promise<DiagnosticSettingsResult[]> {
    const results: (DiagnosticSettingsResult | undefined)[] = new Array(resourceIds.length).fill(undefined);
    let pending: Pending[] = [];
    for (const [index, id] of resourceIds.entries()) {
      try {
        const target = parseKeyVaultId(id);
        pending.push({ index, id: target.id, subscriptionId: target.subscriptionId, attempts: 0, notBefore: 0, lastProblem: "" });
      } catch (error) {
        results[index] = { state: "unreadable", reason: `Diagnostic settings were not read: ${(error as Error).message}` };
      }
    }

    while (pending.length > 0) {
      const now = Date.now();
      const ready = pending.filter((item) => item.notBefore <= now);
      if (ready.length === 0) {
        await sleep(Math.min(...pending.map((item) => item.notBefore)) - now, options.abortSignal);
        continue;
      }
      const later = pending.filter((item) => item.notBefore > now);
      const chunks: Pending[][] = [];
      for (let start = 0; start < ready.length; start += MAX_BATCH_SIZE) chunks.push(ready.slice(start, start + MAX_BATCH_SIZE));
      const retries = (await Promise.all(chunks.map((chunk) => this.sendChunk(chunk, results, options.abortSignal)))).flat();
      for (const item of retries) {
        if (item.attempts >= this.maxAttempts) {
          results[item.index] = { state: "unreadable", reason: `${item.lastProblem} (gave up after ${item.attempts} attempts)` };
        } else {
          later.push(item);
        }
      }
      pending = later;
    }
    return results.map((result) => result ?? { state: "unreadable", reason: "Diagnostic settings were not read." });
  }

  /** Sends one `/batch` call; fills in final results and returns the items to try again. */
  private async sendChunk(chunk: Pending[], results: (DiagnosticSettingsResult | undefined)[], abortSignal: AbortSignal | undefined): Promise<Pending[]> {
    await this.enter(abortSignal);
    const readsBySubscription = new Map<string, number>();
    for (const item of chunk) readsBySubscription.set(item.subscriptionId, (readsBySubscription.get(item.subscriptionId) ?? 0) + 1);
    try {
      const waits = await Promise.all([...readsBySubscription].map(([subscriptionId, reads]) => this.pacer.acquire(subscriptionId, reads, abortSignal)));
      const waited = Math.max(0, ...waits);
      if (waited > 0) this.reportWait({ service: "Azure Resource Manager", milliseconds: waited, cause: "quota" });
    } catch (error) {
      this.leave();
      throw error;
    }
    let response;
    try {
      if (this.options.stats) this.options.stats.batchItems += chunk.length;
      response = await this.arm.send("POST", `/batch?api-version=${BATCH_API_VERSION}`, {
        abortSignal,
        body: {
          requests: chunk.map((item) => ({
            httpMethod: "GET",
            name: String(item.index),
            url: `${this.arm.endpoint}${item.id}/providers/Microsoft.Insights/diagnosticSettings?api-version=${DIAGNOSTIC_SETTINGS_API_VERSION}`,
          })),
        },
      });
    } catch (error) {
      if (abortSignal?.aborted) throw error;
      const failure = toAzureReadError("Azure Resource Manager", "the diagnostic-settings batch", error);
      return this.retryAll(chunk, failure.message, undefined);
    } finally {
      this.leave();
    }

    if (response.status === 202) {
      // ARM answers a batch it has not finished with 202 and a Location to poll, as its long-running operations do.
      const polled = await this.pollAcceptedBatch(response, abortSignal);
      if (typeof polled === "string") return this.retryAll(chunk, polled, undefined);
      response = polled;
    }

    if (response.status !== 200) {
      const code = errorCode(response.body);
      const problem = `The diagnostic-settings batch failed: ${response.status}${code ? ` ${code}` : ""}`;
      if (response.status === 429 || response.status >= 500) return this.retryAll(chunk, problem, retryAfterMs(response.headers));
      // A 4xx for the whole call is a request vaultwatch built wrong: no resource can be read this way.
      throw new AzureReadError(`${problem}.`, { service: "Azure Resource Manager", statusCode: response.status, code, requestId: response.headers.get("x-ms-request-id") });
    }
    const items = (response.body as { responses?: unknown } | undefined)?.responses;
    if (!Array.isArray(items)) return this.retryAll(chunk, "The diagnostic-settings batch answered without a responses array", undefined);

    const byName = new Map<string, Record<string, unknown>>();
    for (const item of items) {
      if (typeof item === "object" && item !== null && typeof (item as { name?: unknown }).name === "string") {
        byName.set((item as { name: string }).name, item as Record<string, unknown>);
      }
    }
    const retries: Pending[] = [];
    for (const item of chunk) {
      const inner = byName.get(String(item.index));
      if (inner === undefined) {
        retries.push(this.scheduleRetry(item, "The batch answer left out this resource", undefined));
        continue;
      }
      const status = Number(inner["httpStatusCode"]);
      const headers = headerLookup(inner["headers"] as Record<string, unknown> | undefined);
      const remaining = headers.get("x-ms-ratelimit-remaining-subscription-reads");
      if (remaining !== undefined) this.pacer.observe(item.subscriptionId, Number(remaining));
      const content = inner["content"];
      if (status === 200) {
        const value = (content as { value?: unknown } | undefined)?.value;
        if (Array.isArray(value) && value.every((setting) => settingBelongsTo(setting, item.id))) {
          results[item.index] = { state: "read", settings: value };
        } else {
          results[item.index] = { state: "unreadable", reason: "Diagnostic settings could not be read: ARM answered 200 with a body that is not a list of this resource's settings." };
        }
      } else if (status === 429 || status >= 500 || !Number.isFinite(status)) {
        if (status === 429) {
          if (this.options.stats) this.options.stats.throttled.batch += 1;
          this.pacer.observe(item.subscriptionId, 0);
        }
        retries.push(this.scheduleRetry(item, diagnosticSettingsFailureReason(Number.isFinite(status) ? status : undefined, errorCode(content)), retryAfterMs(headers)));
      } else {
        results[item.index] = { state: "unreadable", reason: diagnosticSettingsFailureReason(status, errorCode(content)) };
      }
    }
    return retries;
  }

  /**
   * Polls the `Location` of a batch ARM accepted (202) until it answers something else, waiting as each answer's
   * `Retry-After` says (or `backoffMs` when it says nothing). Gives a problem to retry the batch with when the 202
   * has no Location, a poll fails, or the operation outlasts `maxBatchPolls` polls.
   */
  private async pollAcceptedBatch(accepted: ArmRestResponse, abortSignal: AbortSignal | undefined): Promise<ArmRestResponse | string> {
    let response = accepted;
    for (let poll = 1; response.status === 202; poll += 1) {
      const location = response.headers.get("location");
      if (location === undefined || location === "") return "The diagnostic-settings batch was accepted (202) without a Location to poll";
      if (poll > this.maxBatchPolls) return `The diagnostic-settings batch was still running after ${this.maxBatchPolls} polls`;
      const wait = retryAfterMs(response.headers) ?? this.backoffMs;
      if (wait > 0) {
        this.reportWait({ service: "Azure Resource Manager", milliseconds: wait, cause: "quota" });
        await sleep(wait, abortSignal);
      }
      try {
        response = await this.arm.send("GET", location, { abortSignal });
      } catch (error) {
        if (abortSignal?.aborted) throw error;
        return toAzureReadError("Azure Resource Manager", "polling the diagnostic-settings batch", error).message;
      }
    }
    return response;
  }

  private retryAll(chunk: Pending[], problem: string, retryAfter: number | undefined): Pending[] {
    return chunk.map((item) => this.scheduleRetry(item, problem, retryAfter));
  }

  private scheduleRetry(item: Pending, problem: string, retryAfter: number | undefined): Pending {
    item.attempts += 1;
    item.lastProblem = problem;
    const wait = retryAfter ?? this.backoffMs * 2 ** (item.attempts - 1);
    item.notBefore = Date.now() + wait;
    if (item.attempts < this.maxAttempts) this.reportWait({ service: "Azure Resource Manager", milliseconds: wait, cause: "throttled" });
    return item;
  }

  private reportWait(wait: ThrottleWait): void {
    this.options.stats?.recordWait(wait);
    this.options.onThrottleWait?.(wait);
  }

  private async enter(abortSignal: AbortSignal | undefined): Promise<void> {
    while (this.inFlight >= this.concurrency) {
      abortSignal?.throwIfAborted();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inFlight += 1;
  }

  private leave(): void {
    this.inFlight -= 1;
    this.waiting.shift()?.();
  }
}

function errorCode(body: unknown): string | undefined {
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === "string" ? code : undefined;
}

/** A setting's id, when present, must sit under the resource asked about: a mixed-up answer is not trusted. */
function settingBelongsTo(setting: unknown, resourceId: string): boolean {
  if (typeof setting !== "object" || setting === null) return false;
  const id = (setting as { id?: unknown }).id;
  return id === undefined || (typeof id === "string" && armIdKey(id).startsWith(`${armIdKey(resourceId)}/`));
}
