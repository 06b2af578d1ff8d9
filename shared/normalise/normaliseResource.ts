import {
  type DiagnosticLogEntry,
  type DiagnosticSetting,
  type DiagnosticSettingsReading,
  type PrivateEndpointConnection,
  type Reading,
  type ResourceKind,
  type ResourcePosture,
  type VirtualNetworkRule,
  RESOURCE_TYPE_NAMES,
} from "../model/resource.js";
import { foldProjectedColumns } from "./postureRow.js";
import {
  describe,
  isAbsent,
  isRecord,
  known,
  nonEmptyString,
  readBoolean,
  readEnum,
  readInteger,
  readList,
  readOptionalString,
  unreadable,
} from "./readValues.js";

export type NormaliseResult =
  | { readonly ok: true; readonly resource: ResourcePosture }
  /** A well-formed resource of another type: skipped and counted, not an error. */
  | { readonly ok: false; readonly skipped: true; readonly type: string }
  /** Not a resource at all, or one vaultwatch cannot identify. */
  | { readonly ok: false; readonly skipped: false; readonly error: string };

const KIND_BY_TYPE = new Map<string, ResourceKind>(
  (Object.entries(RESOURCE_TYPE_NAMES) as [ResourceKind, string][]).map(([kind, type]) => [type.toLowerCase(), kind]),
);

export function resourceKindOf(type: string): ResourceKind | undefined {
  return KIND_BY_TYPE.get(type.toLowerCase());
}

/**
 * Turns any source's ARM-shaped vault or Managed HSM into the posture model, applying the service defaults
 * of CONTROLS.md. Never throws: a property of an unexpected type becomes an unreadable reading.
 * Accepts ARM GET bodies, Resource Graph rows (full rows, or vaultwatch's posture query with the properties as
 * top-level columns), `az keyvault show` output, SDK objects (flattened private endpoint connections and diagnostic
 * settings) and Resource Notifications payloads (`resourceInfo`, booleans as 1/0, tags as a JSON string).
 * Diagnostic settings travel beside the resource as `diagnosticSettings` (a list, or an ARM `{ value: [...] }`);
 * `diagnosticSettingsError` says they could not be read.
 */
export function normaliseResource(input: unknown): NormaliseResult {
  if (!isRecord(input)) return { ok: false, skipped: false, error: "item is not a JSON object" };
  const unwrapped = foldProjectedColumns(unwrapResourceNotification(input));
  const raw = isRecord(unwrapped) ? unwrapped : input;

  const id = nonEmptyString(raw.id);
  if (id === undefined) return { ok: false, skipped: false, error: "resource has no id" };
  const type = nonEmptyString(raw.type);
  if (type === undefined) return { ok: false, skipped: false, error: `resource ${id} has no type` };
  const kind = resourceKindOf(type);
  if (kind === undefined) return { ok: false, skipped: true, type };

  // One warning per resource and property, however many controls or list items trip over it.
  const problems = new Set<string>();
  const track = <T>(reading: Reading<T>): Reading<T> => {
    if (!reading.known) problems.add(reading.problem);
    return reading;
  };

  const idParts = parseIdParts(id);
  const propertiesValue = raw.properties;
  const properties: Record<string, unknown> | undefined = isAbsent(propertiesValue)
    ? {}
    : isRecord(propertiesValue)
      ? propertiesValue
      : undefined;
  // `properties` that is not an object makes every property in it unreadable: one problem, named once.
  const propertiesProblem = `properties should be an object, found ${describe(propertiesValue)}`;
  const property = <T>(read: (props: Record<string, unknown>) => Reading<T>): Reading<T> =>
    properties === undefined ? track(unreadable<T>(propertiesProblem)) : track(read(properties));

  const networkAcls = (props: Record<string, unknown>): Record<string, unknown> | string => {
    const acls = props.networkAcls;
    if (isAbsent(acls)) return {};
    return isRecord(acls) ? acls : "properties.networkAcls is not an object";
  };
  const acl = <T>(read: (acls: Record<string, unknown>) => Reading<T>): Reading<T> =>
    property((props) => {
      const acls = networkAcls(props);
      return typeof acls === "string" ? unreadable<T>(acls) : read(acls);
    });

  const securityDomain = (props: Record<string, unknown>): Reading<string | undefined> => {
    const domain = props.securityDomainProperties;
    if (isAbsent(domain)) return known(undefined, true);
    if (!isRecord(domain)) return unreadable("properties.securityDomainProperties is not an object");
    return readOptionalString(domain.activationStatus, "properties.securityDomainProperties.activationStatus");
  };

  const resource: Omit<ResourcePosture, "problems"> = {
    id,
    kind,
    name: nonEmptyString(raw.name) ?? idParts.name,
    subscriptionId: nonEmptyString(raw.subscriptionId) ?? idParts.subscriptionId,
    resourceGroup: nonEmptyString(raw.resourceGroup) ?? idParts.resourceGroup,
    location: nonEmptyString(raw.location) ?? "",
    tags: readTags(raw.tags, (problem) => problems.add(problem)),
    publicNetworkAccess: property((p) => readEnum(p.publicNetworkAccess, "Enabled", "properties.publicNetworkAccess")),
    defaultAction: acl((a) => readEnum(a.defaultAction, "Allow", "properties.networkAcls.defaultAction")),
    bypass: acl((a) => readEnum(a.bypass, "AzureServices", "properties.networkAcls.bypass")),
    ipRules: acl((a) => readList(a.ipRules, "properties.networkAcls.ipRules", ipRuleValue)),
    virtualNetworkRules: acl((a) =>
      readList(a.virtualNetworkRules, "properties.networkAcls.virtualNetworkRules", (entry, index) => {
        const rule = virtualNetworkRule(entry, index);
        track(rule.ignoreMissingVnetServiceEndpoint);
        return rule;
      }),
    ),
    privateEndpointConnections: property((p) =>
      readList(p.privateEndpointConnections, "properties.privateEndpointConnections", privateEndpointConnection),
    ),
    enablePurgeProtection: property((p) => readBoolean(p.enablePurgeProtection, false, "properties.enablePurgeProtection")),
    enableSoftDelete: property((p) => readBoolean(p.enableSoftDelete, false, "properties.enableSoftDelete")),
    softDeleteRetentionInDays: property((p) =>
      readInteger(p.softDeleteRetentionInDays, 90, "properties.softDeleteRetentionInDays"),
    ),
    enableRbacAuthorization:
      kind === "vault"
        ? property((p) => readBoolean(p.enableRbacAuthorization, false, "properties.enableRbacAuthorization"))
        : known(false, true),
    securityDomainActivationStatus: kind === "managedHsm" ? property(securityDomain) : known(undefined, true),
    diagnosticSettings: readDiagnosticSettings(raw, (problem) => problems.add(problem)),
  };
  return { ok: true, resource: { ...resource, problems: [...problems] } };
}

/** Reads `tags`: an object, or (as the Resource Notifications schema types it) that object as a JSON string. */
function readTags(value: unknown, report: (problem: string) => void): Record<string, string> {
  if (isAbsent(value)) return {};
  let tags: unknown = value;
  if (typeof value === "string") {
    try {
      tags = JSON.parse(value);
    } catch {
      tags = undefined;
    }
  }
  if (!isRecord(tags)) {
    report(`tags should be an object or a JSON object string, found ${describe(value)}; waivers in tags cannot be read`);
    return {};
  }
  const read: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(tags)) {
    if (typeof tagValue === "string") read[key] = tagValue;
    else if (typeof tagValue === "number" || typeof tagValue === "boolean") read[key] = String(tagValue);
  }
  return read;
}

/** A Resource Notifications payload (`resourceInfo`), or a whole event carrying one in `data`, is the resource it names. */
function unwrapResourceNotification(input: Record<string, unknown>): Record<string, unknown> {
  if (isRecord(input.resourceInfo) && isAbsent(input.id)) return input.resourceInfo;
  if (isRecord(input.data) && isRecord(input.data.resourceInfo)) return input.data.resourceInfo;
  return input;
}

function parseIdParts(id: string): { subscriptionId: string; resourceGroup: string; name: string } {
  const segments = id.split("/").filter((segment) => segment !== "");
  const after = (key: string): string => {
    const index = segments.findIndex((segment) => segment.toLowerCase() === key);
    return index >= 0 ? (segments[index + 1] ?? "") : "";
  };
  return { subscriptionId: after("subscriptions"), resourceGroup: after("resourcegroups"), name: segments.at(-1) ?? "" };
}

function ipRuleValue(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  return isRecord(entry) && typeof entry.value === "string" ? entry.value : undefined;
}

function virtualNetworkRule(entry: unknown, index: number): VirtualNetworkRule {
  const rule = isRecord(entry) ? entry : {};
  return {
    subnetId: nonEmptyString(rule.id),
    ignoreMissingVnetServiceEndpoint: readBoolean(
      rule.ignoreMissingVnetServiceEndpoint,
      false,
      `properties.networkAcls.virtualNetworkRules[${index}].ignoreMissingVnetServiceEndpoint`,
    ),
  };
}

/** Fields sit under `properties` (ARM, Resource Graph) or on the item itself (SDK-flattened, az CLI). */
function flattened(entry: unknown): Record<string, unknown> {
  if (!isRecord(entry)) return {};
  return isRecord(entry.properties) ? { ...entry, ...entry.properties } : entry;
}

function privateEndpointConnection(entry: unknown): PrivateEndpointConnection {
  const connection = flattened(entry);
  const state = isRecord(connection.privateLinkServiceConnectionState) ? connection.privateLinkServiceConnectionState : {};
  const endpoint = isRecord(connection.privateEndpoint) ? connection.privateEndpoint : {};
  return {
    id: nonEmptyString(connection.id),
    privateEndpointId: nonEmptyString(endpoint.id),
    status: nonEmptyString(state.status),
    provisioningState: nonEmptyString(connection.provisioningState),
  };
}

function readDiagnosticSettings(raw: Record<string, unknown>, report: (problem: string) => void): DiagnosticSettingsReading {
  const error = raw.diagnosticSettingsError;
  if (!isAbsent(error)) return { state: "unreadable", reason: typeof error === "string" ? error : JSON.stringify(error) };
  const value = raw.diagnosticSettings;
  if (isAbsent(value)) return { state: "notSupplied" };
  const list = isRecord(value) && Array.isArray(value.value) ? value.value : value;
  if (!Array.isArray(list)) return { state: "unreadable", reason: "diagnosticSettings is not a list" };
  return { state: "supplied", settings: list.map((entry, index) => diagnosticSetting(entry, index, report)) };
}

function diagnosticSetting(entry: unknown, index: number, report: (problem: string) => void): DiagnosticSetting {
  const setting = flattened(entry);
  const logs = Array.isArray(setting.logs) ? setting.logs : [];
  return {
    id: nonEmptyString(setting.id),
    name: nonEmptyString(setting.name),
    workspaceId: nonEmptyString(setting.workspaceId),
    storageAccountId: nonEmptyString(setting.storageAccountId),
    eventHubAuthorizationRuleId: nonEmptyString(setting.eventHubAuthorizationRuleId),
    marketplacePartnerId: nonEmptyString(setting.marketplacePartnerId),
    logs: logs.map((log, logIndex): DiagnosticLogEntry => {
      const entryRecord = isRecord(log) ? log : {};
      const enabled = readBoolean(entryRecord.enabled, false, `diagnosticSettings[${index}].logs[${logIndex}].enabled`);
      if (!enabled.known) report(enabled.problem);
      return {
        category: nonEmptyString(entryRecord.category),
        categoryGroup: nonEmptyString(entryRecord.categoryGroup),
        enabled,
      };
    }),
  };
}
