import type { Estate, JsonObject } from "./estate.js";
import { type EmulatorRequest, type EmulatorResponse, apiVersionOf, errorResponse, jsonResponse } from "./http.js";
import type { RequestKind } from "./requestKinds.js";

export const KEY_VAULT_API_VERSION = "2026-02-01";
export const DIAGNOSTIC_SETTINGS_API_VERSION = "2021-05-01-preview";
export const SUBSCRIPTIONS_API_VERSIONS = ["2022-12-01", "2021-01-01", "2020-01-01"] as const;
/** Stable Microsoft.Network versions whose private endpoint body carries the fields vaultwatch reads. */
export const PRIVATE_ENDPOINT_API_VERSIONS = ["2024-05-01", "2024-07-01", "2024-10-01", "2023-11-01", "2023-09-01"] as const;

/** A recognised ARM read: its kind, the subscription it is throttled under, and how to answer it. */
export interface ArmRoute {
  readonly kind: RequestKind;
  /** Subscription whose read bucket pays for the request; undefined for tenant-level reads. */
  readonly subscriptionId: string | undefined;
  readonly handle: (request: EmulatorRequest, context: ArmContext) => EmulatorResponse;
}

export interface ArmContext {
  readonly estate: Estate;
  /** The emulator's own origin, for absolute `nextLink`s. */
  readonly origin: string;
  readonly pageSize: number;
}

/** Matches the ARM paths the emulator serves; segments have `//` collapsed already. */
export function matchArmRoute(segments: readonly string[]): ArmRoute | undefined {
  const s = segments.map((segment) => segment.toLowerCase());
  const n = s.length;

  if (n === 1 && s[0] === "subscriptions") {
    return { kind: "armSubscriptions", subscriptionId: undefined, handle: listSubscriptions };
  }
  if (s[0] !== "subscriptions" || n < 2) return undefined;
  const subscriptionId = segments[1] as string;

  // /{resourceId}/providers/Microsoft.Insights/diagnosticSettings
  if (n === 11 && s[n - 3] === "providers" && s[n - 2] === "microsoft.insights" && s[n - 1] === "diagnosticsettings") {
    const resourceId = `/${segments.slice(0, 8).join("/")}`;
    if (isKeyVaultPath(s.slice(0, 8))) {
      return { kind: "diagnosticSettings", subscriptionId, handle: (request, context) => listDiagnosticSettings(request, context, resourceId) };
    }
    return undefined;
  }
  // /subscriptions/{s}/providers/Microsoft.KeyVault/{vaults|managedHSMs}
  if (n === 5 && s[2] === "providers" && s[3] === "microsoft.keyvault" && (s[4] === "vaults" || s[4] === "managedhsms")) {
    const isVault = s[4] === "vaults";
    return {
      kind: isVault ? "armVaultList" : "armManagedHsmList",
      subscriptionId,
      handle: (request, context) => listBySubscription(request, context, subscriptionId, isVault ? "vault" : "managedHsm"),
    };
  }
  // /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.KeyVault/{type}/{name}[/privateEndpointConnections]
  if ((n === 8 || n === 9) && isKeyVaultPath(s.slice(0, 8))) {
    const resourceId = `/${segments.slice(0, 8).join("/")}`;
    const isVault = s[6] === "vaults";
    if (n === 8) {
      return {
        kind: isVault ? "armVault" : "armManagedHsm",
        subscriptionId,
        handle: (request, context) => getKeyVaultResource(request, context, resourceId, isVault ? "vault" : "managedHsm"),
      };
    }
    if (s[8] === "privateendpointconnections") {
      return { kind: "armPrivateEndpointConnections", subscriptionId, handle: (request, context) => listConnections(request, context, resourceId) };
    }
    return undefined;
  }
  // /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Network/privateEndpoints/{name}
  if (n === 8 && s[2] === "resourcegroups" && s[4] === "providers" && s[5] === "microsoft.network" && s[6] === "privateendpoints") {
    const id = `/${segments.slice(0, 8).join("/")}`;
    return { kind: "armPrivateEndpoint", subscriptionId, handle: (request, context) => getPrivateEndpoint(request, context, id) };
  }
  return undefined;
}

function isKeyVaultPath(s: readonly string[]): boolean {
  return (
    s.length === 8 &&
    s[0] === "subscriptions" &&
    s[2] === "resourcegroups" &&
    s[4] === "providers" &&
    s[5] === "microsoft.keyvault" &&
    (s[6] === "vaults" || s[6] === "managedhsms")
  );
}

function requireApiVersion(request: EmulatorRequest, accepted: readonly string[]): EmulatorResponse | undefined {
  const apiVersion = apiVersionOf(request.url);
  if (apiVersion !== undefined && accepted.includes(apiVersion)) return undefined;
  return errorResponse(
    400,
    "InvalidApiVersionParameter",
    `The api-version '${apiVersion ?? ""}' is invalid here. The supported versions are '${accepted.join(",")}'.`,
  );
}

function requireGet(request: EmulatorRequest): EmulatorResponse | undefined {
  return request.method === "GET" ? undefined : errorResponse(405, "MethodNotAllowed", "The emulator serves reads only.");
}

function requireSubscription(context: ArmContext, subscriptionId: string): EmulatorResponse | undefined {
  return context.estate.hasSubscription(subscriptionId)
    ? undefined
    : errorResponse(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);
}

function getKeyVaultResource(request: EmulatorRequest, context: ArmContext, id: string, kind: "vault" | "managedHsm"): EmulatorResponse {
  const refused = requireGet(request) ?? requireApiVersion(request, [KEY_VAULT_API_VERSION]) ?? requireSubscription(context, id.split("/")[2] as string);
  if (refused !== undefined) return refused;
  const body = context.estate.getResource(id);
  if (body === undefined || context.estate.kindOf(id) !== kind) {
    const typeName = kind === "vault" ? "Microsoft.KeyVault/vaults" : "Microsoft.KeyVault/managedHSMs";
    return errorResponse(404, "ResourceNotFound", `The Resource '${typeName}/${id.split("/").pop()}' under resource group '${id.split("/")[4]}' was not found.`);
  }
  return jsonResponse(200, body);
}

/** Pages by `$skiptoken` (the index of the next item) with an absolute `nextLink`, as ARM does. */
function page(request: EmulatorRequest, context: ArmContext, items: readonly JsonObject[]): EmulatorResponse {
  const top = Number(request.url.searchParams.get("$top") ?? context.pageSize);
  const size = Number.isInteger(top) && top > 0 ? Math.min(top, context.pageSize) : context.pageSize;
  const start = Number(request.url.searchParams.get("$skiptoken") ?? 0);
  if (!Number.isInteger(start) || start < 0) return errorResponse(400, "InvalidSkipToken", "$skiptoken is not one this service issued.");
  const value = items.slice(start, start + size);
  const body: JsonObject = { value };
  if (start + size < items.length) {
    const next = new URL(request.url.pathname, context.origin);
    for (const [key, val] of request.url.searchParams) if (key !== "$skiptoken") next.searchParams.set(key, val);
    next.searchParams.set("$skiptoken", String(start + size));
    body["nextLink"] = next.toString();
  }
  return jsonResponse(200, body);
}

function listBySubscription(request: EmulatorRequest, context: ArmContext, subscriptionId: string, kind: "vault" | "managedHsm"): EmulatorResponse {
  const refused = requireGet(request) ?? requireApiVersion(request, [KEY_VAULT_API_VERSION]) ?? requireSubscription(context, subscriptionId);
  if (refused !== undefined) return refused;
  const ids = context.estate.idsInSubscription(subscriptionId, kind);
  return page(
    request,
    context,
    ids.map((id) => context.estate.getResource(id)).filter((body): body is JsonObject => body !== undefined),
  );
}

function listConnections(request: EmulatorRequest, context: ArmContext, resourceId: string): EmulatorResponse {
  const refused = requireGet(request) ?? requireApiVersion(request, [KEY_VAULT_API_VERSION]);
  if (refused !== undefined) return refused;
  const connections = context.estate.listPrivateEndpointConnections(resourceId);
  if (connections === undefined) return errorResponse(404, "ResourceNotFound", `The Resource '${resourceId}' was not found.`);
  return page(request, context, connections);
}

function getPrivateEndpoint(request: EmulatorRequest, context: ArmContext, id: string): EmulatorResponse {
  const refused = requireGet(request) ?? requireApiVersion(request, PRIVATE_ENDPOINT_API_VERSIONS);
  if (refused !== undefined) return refused;
  const body = context.estate.getPrivateEndpoint(id);
  if (body === undefined) {
    return errorResponse(404, "ResourceNotFound", `The Resource 'Microsoft.Network/privateEndpoints/${id.split("/").pop()}' under resource group '${id.split("/")[4]}' was not found.`);
  }
  return jsonResponse(200, body);
}

function listDiagnosticSettings(request: EmulatorRequest, context: ArmContext, resourceId: string): EmulatorResponse {
  const refused = requireGet(request) ?? requireApiVersion(request, [DIAGNOSTIC_SETTINGS_API_VERSION]);
  if (refused !== undefined) return refused;
  const found = context.estate.diagnosticSettingsOf(resourceId);
  if (found === undefined) return errorResponse(404, "ResourceNotFound", `The Resource '${resourceId}' was not found.`);
  if (found.forbidden) {
    return errorResponse(
      403,
      "AuthorizationFailed",
      `The client does not have authorization to perform action 'Microsoft.Insights/diagnosticSettings/read' over scope '${resourceId}/providers/Microsoft.Insights' or the scope is invalid.`,
    );
  }
  return jsonResponse(200, { value: found.settings });
}

function listSubscriptions(request: EmulatorRequest, context: ArmContext): EmulatorResponse {
  const refused = requireGet(request) ?? requireApiVersion(request, SUBSCRIPTIONS_API_VERSIONS);
  if (refused !== undefined) return refused;
  const items = context.estate.subscriptions().map((subscription) => ({
    id: `/subscriptions/${subscription.subscriptionId}`,
    authorizationSource: "RoleBased",
    managedByTenants: [],
    subscriptionId: subscription.subscriptionId,
    tenantId: subscription.tenantId,
    displayName: subscription.displayName,
    state: "Enabled",
    subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "EnterpriseAgreement_2014-09-01", spendingLimit: "Off" },
  }));
  return page(request, context, items);
}
