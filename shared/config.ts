/**
 * App settings, read once and validated. Every problem names the setting and the expected form; values of
 * secret settings (storage connection strings) are never echoed.
 */
import { z } from "zod";
import { FINDINGS_STREAM_NAME } from "./sink/findingsSchema.js";

export type Environment = Readonly<Record<string, string | undefined>>;

export const SETTINGS = {
  ingestionEndpoint: "VAULTWATCH_INGESTION_ENDPOINT",
  dcrImmutableId: "VAULTWATCH_DCR_IMMUTABLE_ID",
  streamName: "VAULTWATCH_STREAM_NAME",
  subscriptionIds: "VAULTWATCH_SUBSCRIPTION_IDS",
  managementGroups: "VAULTWATCH_MANAGEMENT_GROUPS",
  sweepSchedule: "VAULTWATCH_SWEEP_SCHEDULE",
  subscriptionsPerShard: "VAULTWATCH_SUBSCRIPTIONS_PER_SHARD",
  armEndpoint: "VAULTWATCH_ARM_ENDPOINT",
  eventsIdentityId: "VAULTWATCH_EVENTS_IDENTITY_ID",
  azureClientId: "AZURE_CLIENT_ID",
  storageConnectionString: "AzureWebJobsStorage",
  storageBlobServiceUri: "AzureWebJobsStorage__blobServiceUri",
  storageQueueServiceUri: "AzureWebJobsStorage__queueServiceUri",
  storageTableServiceUri: "AzureWebJobsStorage__tableServiceUri",
  storageCredential: "AzureWebJobsStorage__credential",
  storageClientId: "AzureWebJobsStorage__clientId",
} as const;

export const DEFAULT_SWEEP_SCHEDULE = "0 0 */6 * * *";
export const DEFAULT_SUBSCRIPTIONS_PER_SHARD = 25;
export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";
/** Resource Graph takes at most 1,000 subscriptions in one query. */
export const MAX_SUBSCRIPTIONS_PER_SHARD = 1000;

export interface SinkConfig {
  /** Logs-ingestion endpoint of the DCR (or its DCE), without a trailing slash. */
  readonly ingestionEndpoint: string;
  readonly dcrImmutableId: string;
  readonly streamName: string;
}

export type StorageConfig =
  | { readonly kind: "connectionString"; readonly connectionString: string }
  | {
      readonly kind: "identity";
      readonly blobServiceUri: string;
      readonly queueServiceUri: string;
      readonly tableServiceUri: string;
      /** User-assigned identity for storage; `undefined` uses the app's default identity. */
      readonly clientId: string | undefined;
    };

export interface ScopeConfig {
  /** Empty together with `managementGroups`: every subscription the identity can read. */
  readonly subscriptionIds: readonly string[];
  readonly managementGroups: readonly string[];
}

export interface SweepConfig {
  readonly schedule: string;
  readonly subscriptionsPerShard: number;
}

export interface VaultwatchConfig {
  readonly sink: SinkConfig;
  readonly storage: StorageConfig;
  readonly scope: ScopeConfig;
  readonly sweep: SweepConfig;
  readonly armEndpoint: string;
  /** User-assigned managed identity for `DefaultAzureCredential`, when set. */
  readonly azureClientId: string | undefined;
  /**
   * Resource id of the identity Event Grid delivers with: a system topic carrying it feeds this deployment, which is
   * how the sweep's coverage rows tell wired subscriptions from the rest. Unset: coverage cannot say whose a topic is.
   */
  readonly eventsIdentityId?: string;
}

export class ConfigurationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid vaultwatch configuration:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);
    this.name = "ConfigurationError";
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUID_FORM = "a GUID such as 00000000-0000-0000-0000-000000000000";

/** Absent and blank are the same: app settings cannot hold null, and an emptied setting reads as "". */
function read(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function quoted(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
}

function httpsUrl(expected: string) {
  return z.string().transform((value, context) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({ code: "custom", message: `expected ${expected}; got ${quoted(value)}, which is not a URL` });
      return z.NEVER;
    }
    const problem =
      url.protocol !== "https:"
        ? "it must use https (bearer tokens are only sent over TLS)"
        : url.username !== "" || url.password !== ""
          ? "it must not carry credentials"
          : url.search !== "" || url.hash !== ""
            ? "it must not have a query or fragment"
            : undefined;
    if (problem !== undefined) {
      context.addIssue({ code: "custom", message: `expected ${expected}; got ${quoted(value)}: ${problem}` });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, "");
  });
}

const dcrImmutableIdSchema = z
  .string()
  .regex(/^dcr-[0-9a-f]{32}$/i, { error: (issue) => `expected "dcr-" followed by 32 hex digits (the DCR's immutableId); got ${quoted(String(issue.input))}` });

const streamNameSchema = z
  .string()
  .regex(/^Custom-[A-Za-z0-9_]{1,200}$/, { error: (issue) => `expected a custom stream name "Custom-<letters, digits, _>" declared in the DCR; got ${quoted(String(issue.input))}` });

function commaList(itemSchema: z.ZodType<string>, expected: string) {
  return z.string().transform((value, context) => {
    const items = value.split(",").map((item) => item.trim());
    const result: string[] = [];
    const seen = new Set<string>();
    for (const [index, item] of items.entries()) {
      if (item === "") {
        context.addIssue({ code: "custom", message: `expected a comma-separated list of ${expected}; item ${index + 1} is empty` });
        continue;
      }
      const parsed = itemSchema.safeParse(item);
      if (!parsed.success) {
        context.addIssue({ code: "custom", message: `expected a comma-separated list of ${expected}; ${quoted(item)} is not one` });
        continue;
      }
      if (!seen.has(parsed.data.toLowerCase())) result.push(parsed.data);
      seen.add(parsed.data.toLowerCase());
    }
    return result;
  });
}

const subscriptionIdsSchema = commaList(z.string().regex(GUID), `subscription ids (${GUID_FORM})`);
// Management group ids: up to 90 letters, digits, -, _, (, ) and . , not ending with a period.
const managementGroupsSchema = commaList(
  z.string().regex(/^[A-Za-z0-9_().-]{1,90}$/).refine((id) => !id.endsWith(".")),
  "management group ids (up to 90 letters, digits, -, _, (, ), .)",
);

const NCRONTAB_FIELDS = [
  { name: "second", min: 0, max: 59, names: [] },
  { name: "minute", min: 0, max: 59, names: [] },
  { name: "hour", min: 0, max: 23, names: [] },
  { name: "day", min: 1, max: 31, names: [] },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day of week", min: 0, max: 6, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
] as const;

function ncrontabFieldProblem(text: string, field: (typeof NCRONTAB_FIELDS)[number]): string | undefined {
  const value = (token: string): number | undefined => {
    const index = (field.names as readonly string[]).indexOf(token.toUpperCase());
    if (index >= 0) return field.min + index;
    return /^\d+$/.test(token) ? Number(token) : undefined;
  };
  for (const item of text.split(",")) {
    const [range = "", step, extra] = item.split("/");
    if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `${field.name} "${item}" has a bad step`;
    if (range === "*") continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `${field.name} "${item}" is not a value or range`;
    for (const bound of bounds) {
      const number = value(bound);
      if (number === undefined || number < field.min || number > field.max) {
        return `${field.name} "${bound}" is outside ${field.min}-${field.max}`;
      }
    }
  }
  return undefined;
}

const sweepScheduleSchema = z.string().superRefine((value, context) => {
  const fields = value.split(/\s+/);
  const form = `expected an NCRONTAB expression with six fields "{second} {minute} {hour} {day} {month} {day-of-week}", e.g. "${DEFAULT_SWEEP_SCHEDULE}"`;
  if (fields.length !== 6) {
    context.addIssue({ code: "custom", message: `${form}; got ${quoted(value)} with ${fields.length} field(s)` });
    return;
  }
  for (const [index, field] of NCRONTAB_FIELDS.entries()) {
    const problem = ncrontabFieldProblem(fields[index] ?? "", field);
    if (problem !== undefined) {
      context.addIssue({ code: "custom", message: `${form}; in ${quoted(value)} the ${problem}` });
      return;
    }
  }
});

const subscriptionsPerShardSchema = z
  .string()
  .regex(/^\d+$/, { error: (issue) => `expected a whole number from 1 to ${MAX_SUBSCRIPTIONS_PER_SHARD}; got ${quoted(String(issue.input))}` })
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_SUBSCRIPTIONS_PER_SHARD, {
    error: (issue) => `expected a whole number from 1 to ${MAX_SUBSCRIPTIONS_PER_SHARD}; got ${String(issue.input)}`,
  });

const userAssignedIdentityIdSchema = z
  .string()
  .regex(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i, {
    error: (issue) =>
      `expected the resource id of a user-assigned identity, /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}; got ${quoted(String(issue.input))}`,
  });

const guidSchema = z.string().regex(GUID, { error: (issue) => `expected ${GUID_FORM}; got ${quoted(String(issue.input))}` });

/** Collects problems across settings so one start reports them all. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Environment) {}

  optional<T>(name: string, schema: z.ZodType<T, string>): T | undefined {
    const raw = read(this.env, name);
    if (raw === undefined) return undefined;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) this.problems.push(`${name}: ${issue.message}.`);
    return undefined;
  }

  required<T>(name: string, schema: z.ZodType<T, string>, expected: string): T | undefined {
    if (read(this.env, name) === undefined) {
      this.problems.push(`${name} is not set; expected ${expected}.`);
      return undefined;
    }
    return this.optional(name, schema);
  }

  /** Throws when anything was wrong; otherwise hands back the value built from the settings. */
  result<T>(build: () => T): T {
    if (this.problems.length > 0) throw new ConfigurationError(this.problems);
    return build();
  }
}

function readSink(reader: Reader) {
  return {
    ingestionEndpoint: reader.required(
      SETTINGS.ingestionEndpoint,
      httpsUrl("the https logs-ingestion endpoint of the DCR, e.g. https://my-dcr-abcd.westeurope-1.ingest.monitor.azure.com"),
      "the https logs-ingestion endpoint of the DCR, e.g. https://my-dcr-abcd.westeurope-1.ingest.monitor.azure.com",
    ),
    dcrImmutableId: reader.required(SETTINGS.dcrImmutableId, dcrImmutableIdSchema, '"dcr-" followed by 32 hex digits (the DCR\'s immutableId)'),
    streamName: reader.optional(SETTINGS.streamName, streamNameSchema) ?? FINDINGS_STREAM_NAME,
  };
}

/** A connection string is a secret: only its shape is checked, and it never appears in a message. */
function connectionStringProblem(value: string): string | undefined {
  const pairs = new Map<string, string>();
  for (const part of value.split(";")) {
    if (part.trim() === "") continue;
    const equals = part.indexOf("=");
    if (equals <= 0) return "it is not a list of key=value pairs separated by semicolons";
    pairs.set(part.slice(0, equals).trim().toLowerCase(), part.slice(equals + 1).trim());
  }
  if (pairs.get("usedevelopmentstorage")?.toLowerCase() === "true") return undefined;
  const hasEndpoints = ["blobendpoint", "queueendpoint", "tableendpoint"].every((key) => pairs.has(key));
  if (pairs.has("accountname") && pairs.has("accountkey")) return undefined;
  if (pairs.has("sharedaccesssignature") && hasEndpoints) return undefined;
  return "it has neither AccountName and AccountKey, nor SharedAccessSignature with Blob, Queue and Table endpoints, nor UseDevelopmentStorage=true";
}

function readStorage(reader: Reader, env: Environment): StorageConfig | undefined {
  const connectionString = read(env, SETTINGS.storageConnectionString);
  const uriNames = [SETTINGS.storageBlobServiceUri, SETTINGS.storageQueueServiceUri, SETTINGS.storageTableServiceUri] as const;
  const anyIdentitySetting = uriNames.some((name) => read(env, name) !== undefined);
  const bothForms = `either ${SETTINGS.storageConnectionString} (a storage connection string) or identity-based ${uriNames.join(", ")}`;

  if (connectionString !== undefined && anyIdentitySetting) {
    reader.problems.push(`${SETTINGS.storageConnectionString} and ${uriNames.join("/")} are both set; expected ${bothForms}, not both.`);
    return undefined;
  }
  if (connectionString !== undefined) {
    const problem = connectionStringProblem(connectionString);
    if (problem !== undefined) {
      reader.problems.push(`${SETTINGS.storageConnectionString}: expected a storage connection string; ${problem} (value not shown).`);
      return undefined;
    }
    return { kind: "connectionString", connectionString };
  }
  if (!anyIdentitySetting) {
    reader.problems.push(`Storage is not configured; expected ${bothForms}.`);
    return undefined;
  }
  const [blob, queue, table] = uriNames.map((name) => {
    const service = name.split("__")[1]?.replace("ServiceUri", "") ?? "";
    return reader.required(name, httpsUrl(`the https ${service} service URI, e.g. https://myaccount.${service}.core.windows.net`), `the https ${service} service URI (all three service URIs are needed)`);
  });
  const credential = read(env, SETTINGS.storageCredential);
  if (credential !== undefined && credential.toLowerCase() !== "managedidentity") {
    reader.problems.push(`${SETTINGS.storageCredential}: expected "managedidentity"; got ${quoted(credential)}.`);
  }
  const clientId = reader.optional(SETTINGS.storageClientId, guidSchema);
  if (blob === undefined || queue === undefined || table === undefined) return undefined;
  return { kind: "identity", blobServiceUri: blob, queueServiceUri: queue, tableServiceUri: table, clientId };
}

function readScope(reader: Reader): ScopeConfig {
  return {
    subscriptionIds: reader.optional(SETTINGS.subscriptionIds, subscriptionIdsSchema) ?? [],
    managementGroups: reader.optional(SETTINGS.managementGroups, managementGroupsSchema) ?? [],
  };
}

/** The sink settings alone (for tools that only write findings). */
export function loadSinkConfig(env: Environment = process.env): SinkConfig {
  const reader = new Reader(env);
  const sink = readSink(reader);
  return reader.result(() => sink as SinkConfig);
}

/** The storage settings alone, in the Functions host's own convention. */
export function loadStorageConfig(env: Environment = process.env): StorageConfig {
  const reader = new Reader(env);
  const storage = readStorage(reader, env);
  return reader.result(() => storage as StorageConfig);
}

/** Everything the Function app needs; throws one `ConfigurationError` listing every problem. */
export function loadConfig(env: Environment = process.env): VaultwatchConfig {
  const reader = new Reader(env);
  const sink = readSink(reader);
  const storage = readStorage(reader, env);
  const scope = readScope(reader);
  const schedule = reader.optional(SETTINGS.sweepSchedule, sweepScheduleSchema) ?? DEFAULT_SWEEP_SCHEDULE;
  const subscriptionsPerShard = reader.optional(SETTINGS.subscriptionsPerShard, subscriptionsPerShardSchema) ?? DEFAULT_SUBSCRIPTIONS_PER_SHARD;
  const armEndpoint =
    reader.optional(SETTINGS.armEndpoint, httpsUrl("the https Azure Resource Manager endpoint, e.g. https://management.azure.com")) ??
    DEFAULT_ARM_ENDPOINT;
  const azureClientId = reader.optional(SETTINGS.azureClientId, guidSchema);
  const eventsIdentityId = reader.optional(SETTINGS.eventsIdentityId, userAssignedIdentityIdSchema);
  return reader.result(() => ({
    sink: sink as SinkConfig,
    storage: storage as StorageConfig,
    scope,
    sweep: { schedule, subscriptionsPerShard },
    armEndpoint,
    azureClientId,
    ...(eventsIdentityId === undefined ? {} : { eventsIdentityId }),
  }));
}
