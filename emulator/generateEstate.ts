import { Estate, type JsonObject, type PrivateEndpointConnectionSpec } from "./estate.js";
import { pick, type Random, randomGuid, seededRandom, weighted } from "./random.js";

export interface GenerateEstateOptions {
  /** Vaults and Managed HSMs in total. */
  readonly resources: number;
  readonly subscriptions: number;
  /** Same seed, same estate. Default 1. */
  readonly seed?: number;
  /** Share of resources whose diagnostic settings answer 403. Default 0.01. */
  readonly forbiddenDiagnosticSettingsRate?: number;
  /** Share of resources that are Managed HSMs. Default 0.08. */
  readonly managedHsmRate?: number;
}

export interface GeneratedEstate {
  readonly estate: Estate;
  readonly vaults: number;
  readonly managedHsms: number;
  /** The management group above every subscription (the tenant root group, named after the tenant). */
  readonly rootManagementGroupId: string;
  /** Child groups, each holding some of the subscriptions. */
  readonly managementGroupIds: readonly string[];
}

const LOCATIONS = ["westeurope", "northeurope", "eastus", "eastus2", "westus2", "uksouth", "swedencentral", "southeastasia"] as const;
const TEAMS = ["payments", "identity", "data", "web", "ml", "core", "billing", "edge", "search", "ops"] as const;
const ENVIRONMENTS = ["prod", "test", "dev"] as const;
const BASE_TIME = Date.UTC(2024, 0, 15, 9, 0, 0);

const VAULT_POSTURES = {
  lockedDown: 18,
  perimeter: 4,
  privateWithTrustedServices: 12,
  firewalled: 16,
  firewalledWeakRules: 8,
  wideOpen: 14,
  portalDefaults: 8,
  legacy: 6,
  connectionsAwaitingReview: 8,
  lowerCaseValues: 6,
} as const;
type VaultPosture = keyof typeof VAULT_POSTURES;

const HSM_POSTURES = {
  hsmLockedDown: 30,
  hsmAsCreated: 25,
  hsmFirewalled: 20,
  hsmMisconfiguredRules: 10,
  hsmNotActivated: 15,
} as const;
type HsmPosture = keyof typeof HSM_POSTURES;

const DIAGNOSTIC_SHAPES = {
  none: 22,
  auditEventToWorkspace: 22,
  allLogsToWorkspace: 12,
  auditGroupToWorkspace: 10,
  storageOnlyWithEmptyWorkspace: 10,
  eventHubOnly: 4,
  auditDisabled: 6,
  policyCategoryOnly: 6,
  metricsOnly: 4,
  storageAndWorkspace: 4,
} as const;
type DiagnosticShape = keyof typeof DIAGNOSTIC_SHAPES;

/**
 * A deterministic estate: N resources spread over M subscriptions in a small management-group tree, with
 * postures from locked down to wide open, properties left out the way real GET bodies leave them out,
 * private endpoint connections in every state, diagnostic settings of every useful shape, and waiver tags
 * that are valid, expired or malformed.
 */
export function generateEstate(options: GenerateEstateOptions): GeneratedEstate {
  if (!Number.isInteger(options.resources) || options.resources < 0) throw new RangeError("resources must be a non-negative integer.");
  if (!Number.isInteger(options.subscriptions) || options.subscriptions < 1) throw new RangeError("subscriptions must be a positive integer.");
  const random = seededRandom(options.seed ?? 1);
  const tenantId = randomGuid(random);
  const estate = new Estate(tenantId);

  const root = tenantId;
  estate.addManagementGroup(root);
  estate.addManagementGroup("mg-platform", root);
  estate.addManagementGroup("mg-landingzones", root);
  estate.addManagementGroup("mg-corp", "mg-landingzones");
  estate.addManagementGroup("mg-online", "mg-landingzones");
  estate.addManagementGroup("mg-sandbox", root);
  const placement = ["mg-corp", "mg-online", "mg-platform", "mg-corp", "mg-sandbox"] as const;

  const subscriptionIds: string[] = [];
  for (let index = 0; index < options.subscriptions; index += 1) {
    const subscriptionId = randomGuid(random);
    const managementGroupId = placement[index % placement.length] as string;
    estate.addSubscription({
      subscriptionId,
      displayName: `sub-${managementGroupId.slice(3)}-${String(index + 1).padStart(3, "0")}`,
      tenantId,
      managementGroupId,
    });
    subscriptionIds.push(subscriptionId);
  }

  const hsmRate = options.managedHsmRate ?? 0.08;
  const forbiddenRate = options.forbiddenDiagnosticSettingsRate ?? 0.01;
  const workspaceId = `/subscriptions/${subscriptionIds[0]}/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-central`;
  let vaults = 0;
  let managedHsms = 0;

  const bodies: { body: JsonObject; connections: PrivateEndpointConnectionSpec[]; diagnostics: JsonObject[]; forbidden: boolean }[] = [];
  for (let index = 0; index < options.resources; index += 1) {
    const subscriptionId = subscriptionIds[index % subscriptionIds.length] as string;
    const team = pick(random, TEAMS);
    const environment = pick(random, ENVIRONMENTS);
    const location = pick(random, LOCATIONS);
    const resourceGroup = `rg-${team}-${environment}`;
    // Index 3 is always an HSM so that even a tiny estate has one.
    const isHsm = index === 3 || random() < hsmRate;
    const suffix = index.toString(36).padStart(5, "0");
    const created = new Date(BASE_TIME + index * 60_000);
    const modified = new Date(created.getTime() + Math.floor(random() * 200) * 86_400_000);
    const common = {
      location,
      tags: tagsFor(random, team, environment),
      systemData: {
        createdBy: `${team}-owner@contoso.com`,
        createdByType: "User",
        createdAt: created.toISOString(),
        lastModifiedBy: "pipeline@contoso.com",
        lastModifiedByType: "Application",
        lastModifiedAt: modified.toISOString(),
      },
    };
    let built: { body: JsonObject; connections: PrivateEndpointConnectionSpec[] };
    if (isHsm) {
      managedHsms += 1;
      const name = `mhsm-${team}-${suffix}`;
      const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/managedHSMs/${name}`;
      built = managedHsmBody(random, weighted(random, HSM_POSTURES), { id, name, tenantId, subscriptionId, ...common });
    } else {
      vaults += 1;
      const name = `kv-${team}-${suffix}`;
      const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.KeyVault/vaults/${name}`;
      built = vaultBody(random, weighted(random, VAULT_POSTURES), { id, name, tenantId, subscriptionId, ...common });
    }
    const shape = weighted(random, DIAGNOSTIC_SHAPES);
    bodies.push({
      ...built,
      diagnostics: diagnosticSettingsFor(random, shape, workspaceId, subscriptionId),
      forbidden: random() < forbiddenRate,
    });
  }

  // Load in id order so the estate's sorted index only ever appends.
  bodies.sort((a, b) => ((a.body["id"] as string).toLowerCase() < (b.body["id"] as string).toLowerCase() ? -1 : 1));
  for (const { body, connections, diagnostics, forbidden } of bodies) {
    const id = body["id"] as string;
    estate.upsertResource(body, { keepSystemData: true });
    for (const connection of connections) estate.addPrivateEndpointConnection(id, connection, { keepSystemData: true });
    estate.setDiagnosticSettings(id, diagnostics, { keepSystemData: true });
    if (forbidden) estate.setDiagnosticSettingsForbidden(id, true);
  }

  return {
    estate,
    vaults,
    managedHsms,
    rootManagementGroupId: root,
    managementGroupIds: ["mg-platform", "mg-landingzones", "mg-corp", "mg-online", "mg-sandbox"],
  };
}

interface Common {
  readonly id: string;
  readonly name: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly location: string;
  readonly tags: Record<string, string>;
  readonly systemData: JsonObject;
}

function tagsFor(random: Random, team: string, environment: string): Record<string, string> {
  const tags: Record<string, string> = { team, environment };
  if (random() < 0.5) tags["costCenter"] = `cc-${Math.floor(random() * 9000) + 1000}`;
  const roll = random();
  const tagName = random() < 0.2 ? "VaultWatch-Waiver" : "vaultwatch-waiver";
  if (roll < 0.06) tags[tagName] = "VW-NET-003:2099-12-31";
  else if (roll < 0.08) tags[tagName] = "VW-NET-001:2099-06-30;VW-IAM-001:2099-12-31";
  else if (roll < 0.11) tags[tagName] = "VW-DP-001:2021-06-30";
  else if (roll < 0.13) tags[tagName] = pick(random, ["VW-NET-001:next-quarter", "VW-NET-002", "VW-XYZ-999:2099-01-01", "VW-NET-005:2099-02-30"]);
  return tags;
}

function publicAddress(random: Random): string {
  // Addresses from blocks that are public and routable (Azure and documentation-free space).
  const first = pick(random, [20, 40, 51, 52, 104, 137, 151, 185, 203]);
  return `${first}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
}

function narrowIpRules(random: Random, count: number): { value: string }[] {
  return Array.from({ length: count }, () => {
    const prefix = pick(random, [32, 32, 32, 30, 29, 28, 24]);
    const address = publicAddress(random);
    const base = prefix === 32 ? address : `${address.split(".").slice(0, 3).join(".")}.0`;
    return { value: `${base}/${prefix}` };
  });
}

function subnetRule(subscriptionId: string, random: Random, ignoreMissing: boolean): JsonObject {
  // ARM returns subnet ids lower-cased.
  const vnet = pick(random, ["vnet-hub", "vnet-app", "vnet-data"]);
  const subnet = pick(random, ["snet-app", "snet-aks", "snet-functions"]);
  return {
    id: `/subscriptions/${subscriptionId}/resourcegroups/rg-network/providers/microsoft.network/virtualnetworks/${vnet}/subnets/${subnet}`,
    ignoreMissingVnetServiceEndpoint: ignoreMissing,
  };
}

function accessPolicies(random: Random, tenantId: string, count: number): JsonObject[] {
  return Array.from({ length: count }, () => ({
    tenantId,
    objectId: randomGuid(random),
    permissions: { keys: ["get", "list"], secrets: ["get", "list", "set"], certificates: ["get"] },
  }));
}

function approved(): PrivateEndpointConnectionSpec {
  return { status: "Approved" };
}

function vaultBody(random: Random, posture: VaultPosture, common: Common): { body: JsonObject; connections: PrivateEndpointConnectionSpec[] } {
  const { id, name, tenantId, subscriptionId, location, tags, systemData } = common;
  const properties: JsonObject = {
    tenantId,
    sku: { family: "A", name: random() < 0.2 ? "premium" : "standard" },
    accessPolicies: [],
    vaultUri: `https://${name}.vault.azure.net/`,
    provisioningState: "Succeeded",
  };
  const connections: PrivateEndpointConnectionSpec[] = [];
  const rbac = (): void => {
    properties["enableRbacAuthorization"] = true;
  };
  const recoverable = (purge: boolean): void => {
    properties["enableSoftDelete"] = true;
    properties["softDeleteRetentionInDays"] = pick(random, [90, 90, 90, 30, 7]);
    if (purge) properties["enablePurgeProtection"] = true;
  };

  switch (posture) {
    case "lockedDown":
      properties["publicNetworkAccess"] = "Disabled";
      properties["networkAcls"] = { bypass: "None", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] };
      recoverable(true);
      rbac();
      connections.push(approved());
      if (random() < 0.3) connections.push(approved());
      break;
    case "perimeter":
      properties["publicNetworkAccess"] = "SecuredByPerimeter";
      properties["networkAcls"] = { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] };
      recoverable(true);
      rbac();
      break;
    case "privateWithTrustedServices":
      properties["publicNetworkAccess"] = "Disabled";
      properties["networkAcls"] = { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] };
      recoverable(random() < 0.7);
      if (random() < 0.6) rbac();
      else properties["accessPolicies"] = accessPolicies(random, tenantId, 2);
      connections.push(approved());
      if (random() < 0.25) connections.push({ status: "Pending" });
      break;
    case "firewalled":
      if (random() < 0.7) properties["publicNetworkAccess"] = "Enabled";
      properties["networkAcls"] = {
        bypass: random() < 0.3 ? "None" : "AzureServices",
        defaultAction: "Deny",
        ipRules: narrowIpRules(random, Math.floor(random() * 5)),
        virtualNetworkRules: Array.from({ length: Math.floor(random() * 3) }, () => subnetRule(subscriptionId, random, false)),
      };
      recoverable(random() < 0.6);
      rbac();
      break;
    case "firewalledWeakRules": {
      properties["publicNetworkAccess"] = "Enabled";
      const weak = pick(random, ["10.20.0.0/16", "192.168.10.0/24", "172.16.4.0/22", "20.0.0.0/8", "0.0.0.0/0", "100.64.1.0/24", "13.64.0.0/11"]);
      properties["networkAcls"] = {
        bypass: "AzureServices",
        defaultAction: "Deny",
        ipRules: [...narrowIpRules(random, 1 + Math.floor(random() * 2)), { value: weak }],
        virtualNetworkRules: [subnetRule(subscriptionId, random, random() < 0.5)],
      };
      recoverable(random() < 0.5);
      properties["accessPolicies"] = accessPolicies(random, tenantId, 3);
      break;
    }
    case "wideOpen":
      // As the spec's own GET example: never-set booleans and networkAcls are simply absent.
      properties["accessPolicies"] = accessPolicies(random, tenantId, 1 + Math.floor(random() * 4));
      properties["enabledForDeployment"] = random() < 0.5;
      properties["enabledForTemplateDeployment"] = random() < 0.5;
      if (random() < 0.5) properties["publicNetworkAccess"] = "Enabled";
      break;
    case "portalDefaults":
      properties["publicNetworkAccess"] = "Enabled";
      properties["networkAcls"] = { bypass: "AzureServices", defaultAction: "Allow", ipRules: [], virtualNetworkRules: [] };
      recoverable(false);
      properties["enableRbacAuthorization"] = random() < 0.5;
      break;
    case "legacy":
      properties["accessPolicies"] = accessPolicies(random, tenantId, 4 + Math.floor(random() * 8));
      properties["enabledForDeployment"] = true;
      properties["enabledForDiskEncryption"] = true;
      if (random() < 0.5) properties["enableSoftDelete"] = false;
      properties["enableRbacAuthorization"] = false;
      break;
    case "connectionsAwaitingReview":
      properties["publicNetworkAccess"] = "Disabled";
      properties["networkAcls"] = { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] };
      recoverable(true);
      rbac();
      connections.push({ status: "Pending" });
      if (random() < 0.5) connections.push({ status: pick(random, ["Rejected", "Disconnected"] as const) });
      if (random() < 0.3) connections.push({ status: "Approved", provisioningState: "Failed" });
      if (random() < 0.3) connections.push(approved());
      break;
    case "lowerCaseValues":
      properties["publicNetworkAccess"] = pick(random, ["disabled", "enabled", "DISABLED"]);
      properties["networkAcls"] = { bypass: pick(random, ["none", "azureservices"]), defaultAction: pick(random, ["deny", "allow"]), ipRules: [], virtualNetworkRules: [] };
      properties["enableSoftDelete"] = true;
      properties["softDeleteRetentionInDays"] = pick(random, [7, 14, 90]);
      properties["enablePurgeProtection"] = true;
      rbac();
      break;
  }
  return { body: { id, name, type: "Microsoft.KeyVault/vaults", location, tags, systemData, properties }, connections };
}

function managedHsmBody(random: Random, posture: HsmPosture, common: Common): { body: JsonObject; connections: PrivateEndpointConnectionSpec[] } {
  const { id, name, tenantId, location, tags, systemData } = common;
  const properties: JsonObject = {
    tenantId,
    initialAdminObjectIds: [randomGuid(random)],
    hsmUri: `https://${name}.managedhsm.azure.net/`,
    provisioningState: "Succeeded",
    statusMessage: "The Managed HSM is provisioned and ready to use.",
    enableSoftDelete: true,
    softDeleteRetentionInDays: 90,
  };
  const connections: PrivateEndpointConnectionSpec[] = [];
  const activated = (): void => {
    properties["securityDomainProperties"] = { activationStatus: "Active", activationStatusMessage: "Your HSM has been activated and can be used for cryptographic operations." };
  };
  const serviceTags = (): { tag: string }[] => (random() < 0.3 ? [{ tag: "AzureCloud" }] : []);

  switch (posture) {
    case "hsmLockedDown":
      properties["publicNetworkAccess"] = "Disabled";
      properties["networkAcls"] = { bypass: "None", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [], serviceTags: [] };
      properties["enablePurgeProtection"] = true;
      properties["regions"] = [{ name: location, isPrimary: true, provisioningState: "Succeeded" }];
      activated();
      connections.push(approved());
      break;
    case "hsmAsCreated":
      // As the spec's GET example: no networkAcls, publicNetworkAccess, regions or security domain.
      properties["enablePurgeProtection"] = false;
      break;
    case "hsmFirewalled":
      properties["publicNetworkAccess"] = "Enabled";
      properties["networkAcls"] = {
        bypass: "AzureServices",
        defaultAction: "Deny",
        ipRules: narrowIpRules(random, 1 + Math.floor(random() * 5)),
        virtualNetworkRules: [],
        serviceTags: serviceTags(),
      };
      properties["enablePurgeProtection"] = random() < 0.6;
      activated();
      break;
    case "hsmMisconfiguredRules":
      properties["publicNetworkAccess"] = "Enabled";
      properties["networkAcls"] = {
        bypass: "AzureServices",
        defaultAction: "Deny",
        // Either more rules than an HSM allows, or service-endpoint rules an HSM does not support.
        ipRules: random() < 0.5 ? narrowIpRules(random, 11) : narrowIpRules(random, 2),
        virtualNetworkRules: random() < 0.5 ? [{ id: `/subscriptions/${common.subscriptionId}/resourcegroups/rg-network/providers/microsoft.network/virtualnetworks/vnet-hub/subnets/snet-hsm` }] : [],
        serviceTags: serviceTags(),
      };
      properties["enablePurgeProtection"] = true;
      activated();
      if (random() < 0.5) connections.push({ status: "Pending" });
      break;
    case "hsmNotActivated":
      properties["publicNetworkAccess"] = pick(random, ["Disabled", "Enabled"]);
      properties["networkAcls"] = { bypass: "None", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [], serviceTags: [] };
      properties["enablePurgeProtection"] = true;
      properties["securityDomainProperties"] = { activationStatus: pick(random, ["NotActivated", "NotActivated", "Failed", "Unknown"]) };
      if (random() < 0.5) connections.push(approved());
      break;
  }
  return {
    body: { id, name, type: "Microsoft.KeyVault/managedHSMs", location, tags, systemData, sku: { family: "B", name: "Standard_B1" }, properties },
    connections,
  };
}

function diagnosticSettingsFor(random: Random, shape: DiagnosticShape, workspaceId: string, subscriptionId: string): JsonObject[] {
  const retention = { enabled: false, days: 0 };
  const storageAccountId = `/subscriptions/${subscriptionId}/resourceGroups/rg-monitoring/providers/Microsoft.Storage/storageAccounts/stauditlogs${subscriptionId.slice(0, 6)}`;
  const metrics = [{ category: "AllMetrics", enabled: random() < 0.5, retentionPolicy: retention }];
  const log = (entry: JsonObject): JsonObject => ({ ...entry, retentionPolicy: retention });
  switch (shape) {
    case "none":
      return [];
    case "auditEventToWorkspace":
      return [{ name: "audit-to-law", properties: { workspaceId, logs: [log({ category: "AuditEvent", enabled: true })], metrics } }];
    case "allLogsToWorkspace":
      return [
        { name: "all-logs", properties: { workspaceId, logAnalyticsDestinationType: "Dedicated", logs: [log({ categoryGroup: "allLogs", enabled: true })], metrics } },
      ];
    case "auditGroupToWorkspace":
      return [{ name: "audit-group", properties: { workspaceId, logs: [log({ categoryGroup: "audit", enabled: true })], metrics } }];
    case "storageOnlyWithEmptyWorkspace":
      return [{ name: "archive", properties: { storageAccountId, workspaceId: "", logs: [log({ category: "AuditEvent", enabled: true })], metrics } }];
    case "eventHubOnly":
      return [
        {
          name: "to-siem",
          properties: {
            eventHubAuthorizationRuleId: `/subscriptions/${subscriptionId}/resourceGroups/rg-siem/providers/Microsoft.EventHub/namespaces/evh-siem/authorizationrules/RootManageSharedAccessKey`,
            eventHubName: "keyvault-audit",
            logs: [log({ categoryGroup: "audit", enabled: true })],
            metrics: [],
          },
        },
      ];
    case "auditDisabled":
      return [{ name: "audit-off", properties: { workspaceId, logs: [log({ category: "AuditEvent", enabled: false })], metrics } }];
    case "policyCategoryOnly":
      return [{ name: "policy-only", properties: { workspaceId, logs: [log({ category: "AzurePolicyEvaluationDetails", enabled: true })], metrics } }];
    case "metricsOnly":
      return [{ name: "metrics", properties: { workspaceId, logs: [], metrics: [{ category: "AllMetrics", enabled: true, retentionPolicy: retention }] } }];
    case "storageAndWorkspace":
      return [
        { name: "archive", properties: { storageAccountId, logs: [log({ category: "AuditEvent", enabled: true })], metrics: [] } },
        { name: "all-logs", properties: { workspaceId, logs: [log({ categoryGroup: "allLogs", enabled: true })], metrics } },
      ];
  }
}
