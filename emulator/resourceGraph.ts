import { createHash } from "node:crypto";
import type { Estate, JsonObject, KeyVaultResourceKind } from "./estate.js";
import { type EmulatorRequest, type EmulatorResponse, apiVersionOf, errorResponse, jsonResponse } from "./http.js";

export const RESOURCE_GRAPH_API_VERSION = "2024-04-01";
const MAX_TOP = 1000;
const MAX_SUBSCRIPTIONS = 1000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The query shapes the emulator answers. It does not interpret KQL: a query is recognised by its text
 * (whitespace-insensitive) and any other text gets a 400, so a change to vaultwatch's query cannot pass
 * unnoticed. This copy is deliberately kept apart from the reader's; when the reader's query changes,
 * update this one and the row builder below together, and the Kusto-parser test checks both.
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

const PROJECTED_PROPERTIES = [
  "publicNetworkAccess",
  "networkAcls",
  "privateEndpointConnections",
  "enableSoftDelete",
  "softDeleteRetentionInDays",
  "enablePurgeProtection",
  "enableRbacAuthorization",
  "securityDomainProperties",
] as const;

/** The coverage query's shape (shared/eventCoverage/eventWiring.ts), answered from the estate's system topics. */
export const EVENT_TOPICS_QUERY = `Resources
| where type =~ 'microsoft.eventgrid/systemtopics'
| where tostring(properties.topicType) in~ ('Microsoft.Resources.Subscriptions', 'Microsoft.ResourceNotifications.Resources')
| project id, subscriptionId, topicType = tostring(properties.topicType), source = tostring(properties.source), identity
| order by id asc`;

const WATCHED_TOPIC_TYPES = new Set(["microsoft.resources.subscriptions", "microsoft.resourcenotifications.resources"]);

export function normaliseQueryText(query: string): string {
  return query.replace(/\s+/g, " ").trim();
}

interface RecognisedQuery {
  /** Which of the estate's tables the query reads. */
  readonly table: "keyVaults" | "systemTopics";
  /** The row as Resource Graph renders the projection, or `undefined` when the query's filter drops it. */
  readonly rowOf: (body: Readonly<JsonObject>) => JsonObject | undefined;
}

const RECOGNISED_QUERIES = new Map<string, RecognisedQuery>([
  [normaliseQueryText(POSTURE_QUERY), { table: "keyVaults", rowOf: postureRow }],
  [normaliseQueryText(EVENT_TOPICS_QUERY), { table: "systemTopics", rowOf: eventTopicRow }],
]);

function eventTopicRow(body: Readonly<JsonObject>): JsonObject | undefined {
  const properties = (body["properties"] ?? {}) as JsonObject;
  const topicType = typeof properties["topicType"] === "string" ? properties["topicType"] : "";
  if (!WATCHED_TOPIC_TYPES.has(topicType.toLowerCase())) return undefined;
  return {
    id: body["id"],
    subscriptionId: String(body["id"]).split("/")[2] ?? "",
    topicType,
    source: typeof properties["source"] === "string" ? properties["source"] : "",
    identity: structuredClone(body["identity"] ?? null),
  };
}

/** One row as Resource Graph renders the projection: `type` lower-cased, a missing property as null. */
function postureRow(body: Readonly<JsonObject>): JsonObject {
  const properties = (body["properties"] ?? {}) as JsonObject;
  const row: JsonObject = {
    id: body["id"],
    name: body["name"],
    type: String(body["type"]).toLowerCase(),
    location: body["location"] ?? null,
    tags: body["tags"] ?? {},
  };
  for (const name of PROJECTED_PROPERTIES) row[name] = structuredClone(properties[name] ?? null);
  return row;
}

interface SkipToken {
  /** Lower-cased id of the last row served. */
  readonly after: string;
  /** Fingerprint of query and scope: a token is only valid for the request that produced it. */
  readonly scope: string;
}

function encodeSkipToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

function decodeSkipToken(text: string): SkipToken | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<SkipToken>;
    return typeof parsed.after === "string" && typeof parsed.scope === "string" ? { after: parsed.after, scope: parsed.scope } : undefined;
  } catch {
    return undefined;
  }
}

export interface ResourceGraphBehaviour {
  /** Answer `resultTruncated: "true"` without a `$skipToken` when more rows exist (as Azure does for `take`). */
  readonly withholdSkipToken: boolean;
}

/** `POST /providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01` (quota handled by the caller). */
export function handleResourceGraphQuery(request: EmulatorRequest, estate: Estate, behaviour: ResourceGraphBehaviour): EmulatorResponse {
  if (request.method !== "POST") return errorResponse(405, "MethodNotAllowed", "Resource Graph queries are POSTed.");
  const apiVersion = apiVersionOf(request.url);
  if (apiVersion !== RESOURCE_GRAPH_API_VERSION) {
    return errorResponse(400, "InvalidApiVersionParameter", `The emulator serves Resource Graph api-version ${RESOURCE_GRAPH_API_VERSION}; got ${apiVersion ?? "none"}.`);
  }
  // Azure answers 500, not 415, to a wrong content type (documented in the troubleshooting guide).
  if (!(request.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
    return errorResponse(500, "InternalServerError", "Unsupported Content-Type; send application/json.");
  }
  let body: JsonObject;
  try {
    const parsed: unknown = JSON.parse(request.body.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new TypeError();
    body = parsed as JsonObject;
  } catch {
    return errorResponse(400, "BadRequest", "The request body must be a JSON object.");
  }

  const query = body["query"];
  if (typeof query !== "string" || query.trim() === "") return errorResponse(400, "BadRequest", "query is required.");
  const recognised = RECOGNISED_QUERIES.get(normaliseQueryText(query));
  if (recognised === undefined) {
    return errorResponse(400, "InvalidQuery", "The emulator does not recognise this query; it answers only the query shapes documented in emulator/README.md.");
  }

  const scope = resolveScope(body, estate);
  if ("error" in scope) return scope.error;

  const options = (typeof body["options"] === "object" && body["options"] !== null ? body["options"] : {}) as JsonObject;
  const top = options["$top"] ?? MAX_TOP;
  if (typeof top !== "number" || !Number.isInteger(top) || top < 1 || top > MAX_TOP) {
    return errorResponse(400, "BadRequest", `options.$top must be an integer from 1 to ${MAX_TOP}.`);
  }
  const skip = options["$skip"] ?? 0;
  if (typeof skip !== "number" || !Number.isInteger(skip) || skip < 0) return errorResponse(400, "BadRequest", "options.$skip must be a non-negative integer.");
  const resultFormat = options["resultFormat"] ?? "objectArray";
  if (resultFormat !== "objectArray" && resultFormat !== "table") {
    return errorResponse(400, "BadRequest", "options.resultFormat must be table or objectArray (the 2024-04-01 default).");
  }

  const fingerprint = createHash("sha256")
    .update(JSON.stringify([normaliseQueryText(query), scope.label]))
    .digest("base64url")
    .slice(0, 16);
  let after: string | undefined;
  let toSkip = skip;
  const skipTokenText = options["$skipToken"];
  if (skipTokenText !== undefined) {
    const token = typeof skipTokenText === "string" ? decodeSkipToken(skipTokenText) : undefined;
    if (token === undefined) return errorResponse(400, "InvalidSkipToken", "options.$skipToken is not a token this service issued.");
    if (token.scope !== fingerprint) {
      return errorResponse(400, "InvalidSkipToken", "options.$skipToken belongs to a different query or scope; resend the same query and scopes.");
    }
    // The spec: `$skip` "overrides the next page offset when $skipToken is present"; without it the token's offset holds.
    if (options["$skip"] === undefined) {
      after = token.after;
      toSkip = 0;
    }
  }

  const include = scope.include;
  const rowsAfter = function* (afterKey: string | undefined): Generator<{ id: string; row: JsonObject }> {
    if (recognised.table === "keyVaults") {
      for (const id of estate.idsInOrder(afterKey, include)) {
        const resource = estate.peekResource(id);
        const row = resource === undefined ? undefined : recognised.rowOf(resource);
        if (row !== undefined) yield { id, row };
      }
      return;
    }
    for (const id of estate.systemTopicIdsInOrder(afterKey, (subscriptionId) => include(subscriptionId, "vault"))) {
      const topic = estate.peekSystemTopic(id);
      const row = topic === undefined ? undefined : recognised.rowOf(topic);
      if (row !== undefined) yield { id, row };
    }
  };
  let totalRecords = 0;
  for (const _ of rowsAfter(undefined)) totalRecords += 1;

  const data: JsonObject[] = [];
  let lastKey: string | undefined;
  let more = false;
  for (const { id, row } of rowsAfter(after)) {
    if (toSkip > 0) {
      toSkip -= 1;
      continue;
    }
    if (data.length === top) {
      more = true;
      break;
    }
    data.push(row);
    lastKey = id.toLowerCase();
  }

  const response: JsonObject = {
    totalRecords,
    count: data.length,
    resultTruncated: more && behaviour.withholdSkipToken ? "true" : "false",
    facets: [],
    data: resultFormat === "table" ? asTable(data) : data,
  };
  if (more && !behaviour.withholdSkipToken && lastKey !== undefined) {
    response["$skipToken"] = encodeSkipToken({ after: lastKey, scope: fingerprint });
  }
  return jsonResponse(200, response);
}

type Scope =
  | { include: (subscriptionId: string, kind: KeyVaultResourceKind) => boolean; label: string }
  | { error: EmulatorResponse };

function resolveScope(body: JsonObject, estate: Estate): Scope {
  const subscriptions = body["subscriptions"];
  const managementGroups = body["managementGroups"];
  if (subscriptions !== undefined && managementGroups !== undefined) {
    return { error: errorResponse(400, "BadRequest", "Send subscriptions or managementGroups, not both.") };
  }
  if (subscriptions !== undefined) {
    if (!Array.isArray(subscriptions) || !subscriptions.every((id) => typeof id === "string" && GUID.test(id))) {
      return { error: errorResponse(400, "BadRequest", "subscriptions must be an array of subscription GUIDs.") };
    }
    if (subscriptions.length > MAX_SUBSCRIPTIONS) {
      return { error: errorResponse(400, "BadRequest", `At most ${MAX_SUBSCRIPTIONS} subscriptions per query; batch them.`) };
    }
    // Subscriptions the caller cannot read contribute nothing, as in Azure.
    const wanted = new Set((subscriptions as string[]).map((id) => id.toLowerCase()));
    return {
      include: (subscriptionId) => wanted.has(subscriptionId.toLowerCase()),
      label: `subscriptions:${[...wanted].sort().join(",")}`,
    };
  }
  if (managementGroups !== undefined) {
    if (!Array.isArray(managementGroups) || managementGroups.length === 0 || !managementGroups.every((id) => typeof id === "string" && id.length > 0)) {
      return { error: errorResponse(400, "BadRequest", "managementGroups must be a non-empty array of management group ids.") };
    }
    const wanted = new Set<string>();
    for (const group of managementGroups as string[]) {
      if (!estate.hasManagementGroup(group)) {
        return {
          error: errorResponse(403, "AuthorizationFailed", `The client does not have authorization to read scope /providers/Microsoft.Management/managementGroups/${group} or it does not exist.`),
        };
      }
      for (const subscriptionId of estate.subscriptionsUnder(group)) wanted.add(subscriptionId.toLowerCase());
    }
    return {
      include: (subscriptionId) => wanted.has(subscriptionId.toLowerCase()),
      label: `managementGroups:${(managementGroups as string[]).map((group) => group.toLowerCase()).sort().join(",")}`,
    };
  }
  return { include: () => true, label: "tenant" };
}

/**
 * `resultFormat: table`: `{ columns: [{ name, type }], rows: [[…]] }` in the projection's column order. Projected
 * `properties.*` and `tags` are dynamic in Resource Graph, reported as `object`; the identity columns are strings.
 */
function asTable(rows: readonly JsonObject[]): JsonObject {
  const names = ["id", "name", "type", "location", "tags", ...PROJECTED_PROPERTIES];
  return {
    columns: names.map((name) => ({ name, type: ["id", "name", "type", "location"].includes(name) ? "string" : "object" })),
    rows: rows.map((row) => names.map((name) => row[name] ?? null)),
  };
}
