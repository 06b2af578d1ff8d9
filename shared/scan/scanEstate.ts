import { type ItemTally, evaluateItems, newTally } from "../evaluate/evaluateItems.js";
import type { GovernanceConfig } from "../governance/governanceConfig.js";
import type { ResourceEvaluation } from "../model/evaluation.js";
import type { PolicyExemptionReader } from "../readers/policyExemptionReader.js";
import { type DiagnosticSettingsReader, MAX_BATCH_SIZE, withDiagnosticSettings } from "../readers/diagnosticSettingsReader.js";
import type { ResourceGraphReader, ResourceGraphScope } from "../readers/resourceGraphReader.js";

export interface ScanProgress {
  readonly pages: number;
  /** Resources read from Resource Graph so far. */
  readonly resources: number;
  /** Resource Graph's count of the resources in the scope groups read so far. */
  readonly expectedResources: number;
  /** False while scope groups (subscription batches) remain unread, so more resources may come. */
  readonly expectedComplete: boolean;
  readonly elapsedMs: number;
}

export interface ScanEstateOptions {
  readonly scope: ResourceGraphScope;
  /** The instant waivers are judged against. */
  readonly now: Date;
  readonly resourceGraph: ResourceGraphReader;
  readonly diagnosticSettings: DiagnosticSettingsReader;
  /** Diagnostic-settings batches read ahead of the evaluation being yielded (default 6). */
  readonly readAhead?: number;
  readonly abortSignal?: AbortSignal;
  readonly onProgress?: (progress: ScanProgress) => void;
  /** Counts skipped, malformed and excluded rows; pass one in to report them. */
  readonly tally?: ItemTally;
  /** The organisation's configuration; default: none. */
  readonly governance?: GovernanceConfig;
  /** Reads the scope's Azure Policy exemptions once, before the resources (skipped when the configuration ignores them). */
  readonly policyExemptions?: Pick<PolicyExemptionReader, "read">;
}

/**
 * The sweep pipeline shared by `vaultwatch scan` and the Functions' shard worker: Resource Graph pages →
 * Azure Policy exemptions of the scope (one read up front) → diagnostic settings attached through `/batch` (20 resources a call, carried across page boundaries so the
 * number of calls is ceil(N/20)) → normalise → evaluate. Yields in Resource Graph order; memory holds one
 * page plus the batches read ahead, whatever the estate's size.
 */
export async function* scanEstate(options: ScanEstateOptions): AsyncGenerator<ResourceEvaluation> {
  const readAhead = options.readAhead ?? 6;
  const tally = options.tally ?? newTally();
  const started = Date.now();
  const window: Promise<unknown[]>[] = [];
  let chunk: unknown[] = [];
  let pages = 0;
  let resources = 0;
  let expectedResources = 0;
  let countedBatches = 0;

  const dispatch = (): void => {
    const batch = chunk;
    chunk = [];
    const attached = attachDiagnosticSettings(batch, options.diagnosticSettings, options.abortSignal);
    // Awaited in order below; the no-op handler only keeps a rejection from counting as unhandled meanwhile.
    attached.catch(() => undefined);
    window.push(attached);
  };
  const governance = options.governance;
  const exemptions =
    options.policyExemptions !== undefined && governance?.azurePolicyExemptions !== "ignore"
      ? await options.policyExemptions.read(options.scope, { abortSignal: options.abortSignal })
      : undefined;
  tally.warnings.push(...(exemptions?.warnings ?? []));
  const evaluateOptions = {
    now: options.now,
    ...(governance === undefined ? {} : { governance }),
    ...(exemptions === undefined ? {} : { policyExemptions: exemptions.index }),
  };
  const evaluateNext = async function* (): AsyncGenerator<ResourceEvaluation> {
    const next = window.shift();
    if (next !== undefined) yield* evaluateItems(await next, evaluateOptions, tally);
  };

  for await (const page of options.resourceGraph.pages(options.scope, { abortSignal: options.abortSignal })) {
    pages += 1;
    resources += page.resources.length;
    if (page.scopeBatch > countedBatches) {
      countedBatches = page.scopeBatch;
      expectedResources += Number.isFinite(page.totalRecords) ? page.totalRecords : 0;
    }
    options.onProgress?.({
      pages,
      resources,
      expectedResources: Math.max(expectedResources, resources),
      expectedComplete: countedBatches >= page.scopeBatches,
      elapsedMs: Date.now() - started,
    });
    for (const resource of page.resources) {
      chunk.push(resource);
      if (chunk.length === MAX_BATCH_SIZE) {
        dispatch();
        while (window.length >= readAhead) yield* evaluateNext();
      }
    }
  }
  if (chunk.length > 0) dispatch();
  while (window.length > 0) yield* evaluateNext();
}

async function attachDiagnosticSettings(batch: unknown[], reader: DiagnosticSettingsReader, abortSignal: AbortSignal | undefined): Promise<unknown[]> {
  const ids = batch.map((resource) => {
    const id = (resource as { id?: unknown } | null)?.id;
    return typeof id === "string" ? id : "";
  });
  const results = await reader.read(ids, { abortSignal });
  return batch.map((resource, index) => withDiagnosticSettings(resource, results[index] ?? { state: "unreadable", reason: "Diagnostic settings were not read." }));
}
