/**
 * The emulator's world: subscriptions, management groups, vaults and Managed HSMs (as ARM GET bodies),
 * their private endpoint connections, the private endpoints behind them, and their diagnostic settings.
 * Mutable while the server runs; every change to a vault or HSM bumps its `systemData.lastModifiedAt`.
 */

import { diagnosticSettingsFailureReason } from "../shared/readers/diagnosticSettingsReader.js";

export type JsonObject = { [key: string]: unknown };

export const VAULT_TYPE = "Microsoft.KeyVault/vaults";
export const MANAGED_HSM_TYPE = "Microsoft.KeyVault/managedHSMs";
export const PRIVATE_ENDPOINT_TYPE = "Microsoft.Network/privateEndpoints";

export type KeyVaultResourceKind = "vault" | "managedHsm";

export interface MutationOptions {
  /** Leave `systemData` as given: for loading a generated estate, not for changes while it runs. */
  readonly keepSystemData?: boolean;
}

export interface SubscriptionRecord {
  readonly subscriptionId: string;
  readonly displayName: string;
  readonly tenantId: string;
  /** The management group the subscription sits in directly. */
  readonly managementGroupId: string;
}

export interface ManagementGroupRecord {
  readonly id: string;
  readonly parentId: string | undefined;
}

export type PrivateEndpointConnectionStatus = "Pending" | "Approved" | "Rejected" | "Disconnected";

export interface PrivateEndpointConnectionSpec {
  /** Name of the connection; derived from the private endpoint's name when absent. */
  readonly name?: string;
  readonly status: PrivateEndpointConnectionStatus;
  /** `Succeeded` when absent. */
  readonly provisioningState?: string;
  /** Where the private endpoint lives; a new one is created in the resource's subscription when absent. */
  readonly privateEndpointId?: string;
  readonly description?: string;
}

interface ResourceEntry {
  body: JsonObject;
  readonly kind: KeyVaultResourceKind;
  readonly subscriptionId: string;
  diagnosticSettings: JsonObject[];
  diagnosticSettingsForbidden: boolean;
}

const RESOURCE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.KeyVault\/(vaults|managedHSMs)\/([^/]+)$/i;
const PRIVATE_ENDPOINT_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateEndpoints\/([^/]+)$/i;

export function parseKeyVaultResourceId(
  id: string,
): { subscriptionId: string; resourceGroup: string; kind: KeyVaultResourceKind; name: string } | undefined {
  const match = RESOURCE_ID.exec(id);
  if (match === null) return undefined;
  const [, subscriptionId, resourceGroup, type, name] = match as unknown as [string, string, string, string, string];
  return { subscriptionId, resourceGroup, kind: type.toLowerCase() === "vaults" ? "vault" : "managedHsm", name };
}

function keyOf(id: string): string {
  return id.toLowerCase();
}

function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export class Estate {
  readonly tenantId: string;
  private readonly subscriptionRecords = new Map<string, SubscriptionRecord>();
  private readonly managementGroupRecords = new Map<string, ManagementGroupRecord>();
  private readonly resources = new Map<string, ResourceEntry>();
  private readonly privateEndpoints = new Map<string, JsonObject>();
  /** Event Grid system topics (ARM bodies), by lower-cased id: Resource Graph shows them to the coverage query. */
  private readonly systemTopics = new Map<string, JsonObject>();
  /** Lower-cased resource ids in ascending order: the order Resource Graph pages follow. */
  private sortedKeys: string[] = [];
  private lastStamp = 0;
  private etagCounter = 0;

  constructor(
    tenantId: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.tenantId = tenantId;
  }

  // ── subscriptions and management groups ────────────────────────────────────────────────────────

  addManagementGroup(id: string, parentId?: string): void {
    if (parentId !== undefined && !this.managementGroupRecords.has(parentId.toLowerCase())) {
      throw new RangeError(`Management group ${parentId} does not exist.`);
    }
    this.managementGroupRecords.set(id.toLowerCase(), { id, parentId });
  }

  addSubscription(record: SubscriptionRecord): void {
    if (!this.managementGroupRecords.has(record.managementGroupId.toLowerCase())) {
      throw new RangeError(`Management group ${record.managementGroupId} does not exist.`);
    }
    this.subscriptionRecords.set(record.subscriptionId.toLowerCase(), record);
  }

  subscriptions(): readonly SubscriptionRecord[] {
    return [...this.subscriptionRecords.values()];
  }

  hasSubscription(subscriptionId: string): boolean {
    return this.subscriptionRecords.has(subscriptionId.toLowerCase());
  }

  managementGroups(): readonly ManagementGroupRecord[] {
    return [...this.managementGroupRecords.values()];
  }

  hasManagementGroup(id: string): boolean {
    return this.managementGroupRecords.has(id.toLowerCase());
  }

  /** Subscriptions in the group or any group below it. */
  subscriptionsUnder(managementGroupId: string): string[] {
    const wanted = managementGroupId.toLowerCase();
    const isUnder = (groupId: string): boolean => {
      let current: string | undefined = groupId.toLowerCase();
      const seen = new Set<string>();
      while (current !== undefined && !seen.has(current)) {
        if (current === wanted) return true;
        seen.add(current);
        current = this.managementGroupRecords.get(current)?.parentId?.toLowerCase();
      }
      return false;
    };
    return this.subscriptions()
      .filter((subscription) => isUnder(subscription.managementGroupId))
      .map((subscription) => subscription.subscriptionId);
  }

  // ── vaults and Managed HSMs ────────────────────────────────────────────────────────────────────

  get size(): number {
    return this.resources.size;
  }

  /**
   * Adds or replaces a vault or HSM given as its ARM GET body. The body must carry `properties.tenantId`
   * and the SKU (vaults: `properties.sku`, HSMs: top-level `sku`): real responses always do, and the SDK
   * crashes without them.
   */
  upsertResource(body: JsonObject, options: MutationOptions = {}): void {
    const id = body["id"];
    if (typeof id !== "string") throw new TypeError("A resource body needs a string id.");
    const parsed = parseKeyVaultResourceId(id);
    if (parsed === undefined) throw new RangeError(`Not a vault or Managed HSM id: ${id}`);
    if (!this.hasSubscription(parsed.subscriptionId)) {
      throw new RangeError(`Subscription ${parsed.subscriptionId} of ${id} is not in the estate.`);
    }
    const properties = asObject(body["properties"]);
    if (properties === undefined || typeof properties["tenantId"] !== "string") {
      throw new TypeError(`${id}: properties.tenantId is required.`);
    }
    const sku = parsed.kind === "vault" ? asObject(properties["sku"]) : asObject(body["sku"]);
    if (sku === undefined) throw new TypeError(`${id}: the SKU is required.`);

    const key = keyOf(id);
    const existing = this.resources.get(key);
    const copy = deepCopy(body);
    copy["type"] = parsed.kind === "vault" ? VAULT_TYPE : MANAGED_HSM_TYPE;
    copy["name"] = parsed.name;
    if (existing === undefined) {
      this.insertSortedKey(key);
      this.resources.set(key, {
        body: copy,
        kind: parsed.kind,
        subscriptionId: parsed.subscriptionId,
        diagnosticSettings: [],
        diagnosticSettingsForbidden: false,
      });
    } else {
      existing.body = copy;
    }
    if (options.keepSystemData !== true) this.touch(key);
  }

  deleteResource(id: string): boolean {
    const key = keyOf(id);
    if (!this.resources.delete(key)) return false;
    const index = this.findKeyIndex(key);
    if (index.found) this.sortedKeys.splice(index.index, 1);
    return true;
  }

  /** A copy of the ARM GET body, or undefined when the resource does not exist. */
  getResource(id: string): JsonObject | undefined {
    const entry = this.resources.get(keyOf(id));
    return entry === undefined ? undefined : deepCopy(entry.body);
  }

  /** The stored body itself, for read-only use on hot paths (Resource Graph pages). Never mutate it. */
  peekResource(id: string): Readonly<JsonObject> | undefined {
    return this.resources.get(keyOf(id))?.body;
  }

  kindOf(id: string): KeyVaultResourceKind | undefined {
    return this.resources.get(keyOf(id))?.kind;
  }

  /** Resource ids in Resource Graph order, after `afterKey` (exclusive), for which `include` holds. */
  *idsInOrder(afterKey: string | undefined, include: (subscriptionId: string, kind: KeyVaultResourceKind) => boolean): Generator<string> {
    let start = 0;
    if (afterKey !== undefined) {
      const found = this.findKeyIndex(afterKey.toLowerCase());
      start = found.found ? found.index + 1 : found.index;
    }
    for (let index = start; index < this.sortedKeys.length; index += 1) {
      const key = this.sortedKeys[index] as string;
      const entry = this.resources.get(key);
      if (entry !== undefined && include(entry.subscriptionId, entry.kind)) yield entry.body["id"] as string;
    }
  }

  /** Vaults or HSMs of one subscription, in id order (ARM list-by-subscription). */
  idsInSubscription(subscriptionId: string, kind: KeyVaultResourceKind): string[] {
    const wanted = subscriptionId.toLowerCase();
    return [...this.idsInOrder(undefined, (sub, resourceKind) => sub.toLowerCase() === wanted && resourceKind === kind)];
  }

  // ── Event Grid system topics ───────────────────────────────────────────────────────────────────

  /** Adds or replaces a system topic: `{ id, name, type, location, identity, properties: { source, topicType } }`. */
  upsertSystemTopic(body: JsonObject): void {
    const id = body["id"];
    if (typeof id !== "string" || !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.EventGrid\/systemTopics\/[^/]+$/i.test(id)) {
      throw new Error(`Not an Event Grid system topic id: ${String(id)}`);
    }
    this.systemTopics.set(keyOf(id), deepCopy(body));
  }

  deleteSystemTopic(id: string): boolean {
    return this.systemTopics.delete(keyOf(id));
  }

  /** System topic ids in Resource Graph order, after `afterKey` (exclusive), whose subscription `include` accepts. */
  *systemTopicIdsInOrder(afterKey: string | undefined, include: (subscriptionId: string) => boolean): Generator<string> {
    const keys = [...this.systemTopics.keys()].sort();
    for (const key of keys) {
      if (afterKey !== undefined && key <= afterKey.toLowerCase()) continue;
      const body = this.systemTopics.get(key) as JsonObject;
      const subscriptionId = String(body["id"]).split("/")[2] ?? "";
      if (include(subscriptionId)) yield body["id"] as string;
    }
  }

  peekSystemTopic(id: string): Readonly<JsonObject> | undefined {
    return this.systemTopics.get(keyOf(id));
  }

  // ── private endpoint connections and private endpoints ─────────────────────────────────────────

  /** Adds a connection to a vault or HSM (creating its private endpoint unless one is named). Returns the connection id. */
  addPrivateEndpointConnection(resourceId: string, spec: PrivateEndpointConnectionSpec, options: MutationOptions = {}): string {
    const entry = this.requireResource(resourceId);
    const resourceBodyId = entry.body["id"] as string;
    const parsed = parseKeyVaultResourceId(resourceBodyId)!;
    const connections = this.connectionsOf(entry);
    const privateEndpointId =
      spec.privateEndpointId ??
      `/subscriptions/${parsed.subscriptionId}/resourceGroups/rg-network/providers/Microsoft.Network/privateEndpoints/pe-${parsed.name}-${connections.length + 1}`;
    const peName = privateEndpointId.split("/").pop() as string;
    const name = spec.name ?? `${peName}.${connections.length + 1}`;
    const connectionId = `${resourceBodyId}/privateEndpointConnections/${name}`;
    if (connections.some((connection) => keyOf(String(connection["id"])) === keyOf(connectionId))) {
      throw new RangeError(`Connection ${connectionId} already exists.`);
    }
    connections.push({
      id: connectionId,
      etag: this.nextEtag(),
      properties: {
        privateEndpoint: { id: privateEndpointId },
        privateLinkServiceConnectionState: {
          status: spec.status,
          description: spec.description ?? (spec.status === "Pending" ? "Please approve my request." : ""),
          actionsRequired: "None",
        },
        provisioningState: spec.provisioningState ?? "Succeeded",
      },
    });
    if (!this.privateEndpoints.has(keyOf(privateEndpointId))) {
      this.upsertPrivateEndpointFor(privateEndpointId, resourceBodyId, entry.kind, name, spec.status, String(entry.body["location"] ?? "westeurope"));
    }
    if (options.keepSystemData !== true) this.touch(keyOf(resourceBodyId));
    return connectionId;
  }

  setPrivateEndpointConnectionStatus(connectionId: string, status: PrivateEndpointConnectionStatus, provisioningState?: string): void {
    const { entry, connection } = this.requireConnection(connectionId);
    const properties = connection["properties"] as JsonObject;
    const state = properties["privateLinkServiceConnectionState"] as JsonObject;
    state["status"] = status;
    if (provisioningState !== undefined) properties["provisioningState"] = provisioningState;
    connection["etag"] = this.nextEtag();
    this.syncPrivateEndpointState(String((properties["privateEndpoint"] as JsonObject)["id"]), entry.body["id"] as string, status);
    this.touch(keyOf(entry.body["id"] as string));
  }

  removePrivateEndpointConnection(connectionId: string): void {
    const { entry, connection } = this.requireConnection(connectionId);
    const connections = this.connectionsOf(entry);
    connections.splice(connections.indexOf(connection), 1);
    this.touch(keyOf(entry.body["id"] as string));
  }

  /** Private endpoint connections of a resource, as the list operation returns them. */
  listPrivateEndpointConnections(resourceId: string): JsonObject[] | undefined {
    const entry = this.resources.get(keyOf(resourceId));
    if (entry === undefined) return undefined;
    const childType = entry.kind === "vault" ? `${VAULT_TYPE}/privateEndpointConnections` : "Microsoft.KeyVault/managedhsms/privateEndpointConnections";
    return this.connectionsOf(entry).map((connection) => ({
      ...deepCopy(connection),
      name: String(connection["id"]).split("/").pop(),
      type: childType,
    }));
  }

  upsertPrivateEndpoint(body: JsonObject): void {
    const id = body["id"];
    if (typeof id !== "string" || !PRIVATE_ENDPOINT_ID.test(id)) throw new RangeError(`Not a private endpoint id: ${String(id)}`);
    this.privateEndpoints.set(keyOf(id), deepCopy(body));
  }

  getPrivateEndpoint(id: string): JsonObject | undefined {
    const body = this.privateEndpoints.get(keyOf(id));
    return body === undefined ? undefined : deepCopy(body);
  }

  deletePrivateEndpoint(id: string): boolean {
    return this.privateEndpoints.delete(keyOf(id));
  }

  privateEndpointIds(): string[] {
    return [...this.privateEndpoints.values()].map((body) => body["id"] as string);
  }

  // ── diagnostic settings ────────────────────────────────────────────────────────────────────────

  /** Replaces the resource's diagnostic settings; each item is a full ARM diagnostic setting or a spec without id/type. */
  setDiagnosticSettings(resourceId: string, settings: readonly JsonObject[], options: MutationOptions = {}): void {
    const entry = this.requireResource(resourceId);
    const resourceBodyId = entry.body["id"] as string;
    entry.diagnosticSettings = settings.map((setting, index) => {
      const name = typeof setting["name"] === "string" ? setting["name"] : `setting-${index + 1}`;
      return {
        ...deepCopy(setting),
        id: `${resourceBodyId}/providers/microsoft.insights/diagnosticSettings/${name}`,
        type: "Microsoft.Insights/diagnosticSettings",
        name,
      };
    });
    if (options.keepSystemData !== true) this.touch(keyOf(resourceBodyId));
  }

  removeDiagnosticSettings(resourceId: string): void {
    this.setDiagnosticSettings(resourceId, []);
  }

  /** A forbidden resource answers 403 `AuthorizationFailed` to diagnostic-settings reads. */
  setDiagnosticSettingsForbidden(resourceId: string, forbidden: boolean): void {
    this.requireResource(resourceId).diagnosticSettingsForbidden = forbidden;
  }

  /** The stored list, not a copy: setting diagnostic settings replaces the list, it never edits one in place. */
  diagnosticSettingsOf(resourceId: string): { forbidden: boolean; settings: readonly Readonly<JsonObject>[] } | undefined {
    const entry = this.resources.get(keyOf(resourceId));
    if (entry === undefined) return undefined;
    return { forbidden: entry.diagnosticSettingsForbidden, settings: entry.diagnosticSettings };
  }

  /** Ids whose diagnostic settings are forbidden, in id order. */
  forbiddenDiagnosticSettingsIds(): string[] {
    return this.sortedKeys.flatMap((key) => {
      const entry = this.resources.get(key);
      return entry?.diagnosticSettingsForbidden ? [entry.body["id"] as string] : [];
    });
  }

  // ── export ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * The estate as `vaultwatch evaluate` reads it offline: ARM GET bodies in id order, each with its
   * `diagnosticSettings` array, or `diagnosticSettingsError` where reading them is forbidden.
   */
  *exportBodies(): Generator<JsonObject> {
    for (const key of this.sortedKeys) {
      const entry = this.resources.get(key);
      if (entry === undefined) continue;
      const body = deepCopy(entry.body);
      if (entry.diagnosticSettingsForbidden) {
        body["diagnosticSettingsError"] = FORBIDDEN_DIAGNOSTIC_SETTINGS_REASON;
      } else {
        body["diagnosticSettings"] = deepCopy(entry.diagnosticSettings);
      }
      yield body;
    }
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────

  private nextEtag(): string {
    this.etagCounter += 1;
    return `"${this.etagCounter.toString(16).padStart(8, "0")}-0000-0000-0000-000000000000"`;
  }

  /** Timestamps strictly increase, so two changes in the same millisecond still order. */
  private stamp(): Date {
    const now = Math.max(this.clock().getTime(), this.lastStamp + 1);
    this.lastStamp = now;
    return new Date(now);
  }

  private touch(key: string): void {
    const entry = this.resources.get(key);
    if (entry === undefined) return;
    const at = this.stamp().toISOString();
    const systemData = asObject(entry.body["systemData"]) ?? {
      createdBy: "emulator@contoso.com",
      createdByType: "User",
      createdAt: at,
      lastModifiedBy: "emulator@contoso.com",
      lastModifiedByType: "User",
    };
    systemData["lastModifiedAt"] = at;
    entry.body["systemData"] = systemData;
  }

  private requireResource(resourceId: string): ResourceEntry {
    const entry = this.resources.get(keyOf(resourceId));
    if (entry === undefined) throw new RangeError(`No vault or Managed HSM ${resourceId} in the estate.`);
    return entry;
  }

  private connectionsOf(entry: ResourceEntry): JsonObject[] {
    const properties = entry.body["properties"] as JsonObject;
    let connections = properties["privateEndpointConnections"];
    if (!Array.isArray(connections)) {
      connections = [];
      properties["privateEndpointConnections"] = connections;
    }
    return connections as JsonObject[];
  }

  private requireConnection(connectionId: string): { entry: ResourceEntry; connection: JsonObject } {
    const marker = "/privateendpointconnections/";
    const at = connectionId.toLowerCase().lastIndexOf(marker);
    if (at < 0) throw new RangeError(`Not a private endpoint connection id: ${connectionId}`);
    const entry = this.requireResource(connectionId.slice(0, at));
    const connection = this.connectionsOf(entry).find((candidate) => keyOf(String(candidate["id"])) === keyOf(connectionId));
    if (connection === undefined) throw new RangeError(`No private endpoint connection ${connectionId}.`);
    return { entry, connection };
  }

  private upsertPrivateEndpointFor(
    privateEndpointId: string,
    targetId: string,
    kind: KeyVaultResourceKind,
    connectionName: string,
    status: PrivateEndpointConnectionStatus,
    location: string,
  ): void {
    const match = PRIVATE_ENDPOINT_ID.exec(privateEndpointId);
    if (match === null) throw new RangeError(`Not a private endpoint id: ${privateEndpointId}`);
    const [, subscriptionId, resourceGroup, name] = match as unknown as [string, string, string, string];
    const link = {
      id: `${privateEndpointId}/${status === "Pending" ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections"}/${connectionName}`,
      name: connectionName,
      type: `${PRIVATE_ENDPOINT_TYPE}/${status === "Pending" ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections"}`,
      properties: {
        provisioningState: "Succeeded",
        privateLinkServiceId: targetId,
        groupIds: [kind === "vault" ? "vault" : "managedhsm"],
        privateLinkServiceConnectionState: { status, description: "", actionsRequired: "None" },
        ...(status === "Pending" ? { requestMessage: "Please approve my request." } : {}),
      },
    };
    this.privateEndpoints.set(keyOf(privateEndpointId), {
      id: privateEndpointId,
      name,
      type: PRIVATE_ENDPOINT_TYPE,
      location,
      etag: `W/${this.nextEtag()}`,
      properties: {
        provisioningState: "Succeeded",
        resourceGuid: "00000000-0000-0000-0000-000000000000",
        subnet: { id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-private-endpoints` },
        networkInterfaces: [{ id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Network/networkInterfaces/${name}.nic` }],
        privateLinkServiceConnections: status === "Pending" ? [] : [link],
        manualPrivateLinkServiceConnections: status === "Pending" ? [link] : [],
        customDnsConfigs: [],
      },
    });
  }

  /** Approval moves a manual connection into `privateLinkServiceConnections`, as Network does. */
  private syncPrivateEndpointState(privateEndpointId: string, targetId: string, status: PrivateEndpointConnectionStatus): void {
    const endpoint = this.privateEndpoints.get(keyOf(privateEndpointId));
    if (endpoint === undefined) return;
    const properties = endpoint["properties"] as JsonObject;
    const all = [
      ...((properties["privateLinkServiceConnections"] as JsonObject[] | undefined) ?? []),
      ...((properties["manualPrivateLinkServiceConnections"] as JsonObject[] | undefined) ?? []),
    ];
    const link = all.find((candidate) => keyOf(String((candidate["properties"] as JsonObject)["privateLinkServiceId"])) === keyOf(targetId));
    if (link === undefined) return;
    ((link["properties"] as JsonObject)["privateLinkServiceConnectionState"] as JsonObject)["status"] = status;
    const automatic = all.filter((candidate) => candidate !== link && String(candidate["type"]).endsWith("/privateLinkServiceConnections"));
    const manual = all.filter((candidate) => candidate !== link && String(candidate["type"]).endsWith("/manualPrivateLinkServiceConnections"));
    if (status === "Pending") {
      link["type"] = `${PRIVATE_ENDPOINT_TYPE}/manualPrivateLinkServiceConnections`;
      manual.push(link);
    } else {
      link["type"] = `${PRIVATE_ENDPOINT_TYPE}/privateLinkServiceConnections`;
      automatic.push(link);
    }
    properties["privateLinkServiceConnections"] = automatic;
    properties["manualPrivateLinkServiceConnections"] = manual;
  }

  private findKeyIndex(key: string): { found: boolean; index: number } {
    let low = 0;
    let high = this.sortedKeys.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.sortedKeys[middle] as string) < key) low = middle + 1;
      else high = middle;
    }
    return { found: this.sortedKeys[low] === key, index: low };
  }

  private insertSortedKey(key: string): void {
    const last = this.sortedKeys[this.sortedKeys.length - 1];
    // Generated estates arrive in order; appending keeps a 100k-resource load linear.
    if (last === undefined || last < key) {
      this.sortedKeys.push(key);
      return;
    }
    const { index } = this.findKeyIndex(key);
    this.sortedKeys.splice(index, 0, key);
  }
}

/** What a live scan reports for a resource whose diagnostic settings answer 403, so exports match scans exactly. */
export const FORBIDDEN_DIAGNOSTIC_SETTINGS_REASON = diagnosticSettingsFailureReason(403, "AuthorizationFailed");
