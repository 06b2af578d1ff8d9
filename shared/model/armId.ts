/**
 * Strict parsing of Azure Resource Manager ids. Ids arrive from events, queue messages and files, so anything that
 * is not a well-formed ARM id (a query string, a fragment, `..`, encoded or control characters, a bad GUID) is
 * rejected here, before it can reach a URL or a query.
 */

export interface ArmResourceId {
  /** The id as given (casing preserved). */
  readonly id: string;
  readonly subscriptionId: string;
  /** Absent for subscription-level resources. */
  readonly resourceGroup: string | undefined;
  /** Provider namespace, resource type and name pairs, outermost first; extension resources add more after `providers`. */
  readonly segments: readonly ArmTypeSegment[];
  /** A trailing action name, as in the subject of an action event (`…/deletedVaults/kv-old/purge`). */
  readonly action?: string;
}

export interface ArmTypeSegment {
  readonly namespace: string;
  /** Type path within the namespace, e.g. `vaults` or `vaults/privateEndpointConnections`. */
  readonly types: readonly string[];
  readonly names: readonly string[];
}

export type ArmIdParse = { readonly ok: true; readonly value: ArmResourceId } | { readonly ok: false; readonly error: string };

const MAX_ID_LENGTH = 1024;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Resource group names: letters, digits, `_`, `-`, `.`, `(`, `)`; up to 90 characters; not ending in `.`. */
const RESOURCE_GROUP = /^[\w\-.()]{1,90}$/;
const NAMESPACE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
/** Resource names: conservative on purpose; every Key Vault, network and diagnostic-setting name fits. */
const RESOURCE_NAME = /^[\w\-.()]{1,260}$/;

export function parseArmId(text: unknown): ArmIdParse {
  if (typeof text !== "string") return reject("resource id is not a string");
  if (text.length === 0) return reject("resource id is empty");
  if (text.length > MAX_ID_LENGTH) return reject(`resource id is longer than ${MAX_ID_LENGTH} characters`);
  if (!text.startsWith("/")) return reject("resource id does not start with /subscriptions/");
  if (/[?#%\\\s]/.test(text)) return reject("resource id contains a character that ARM ids never hold (?, #, %, \\ or white space)");
  const parts = text.slice(1).split("/");
  if (parts.some((part) => part === "" || part === "." || part === "..")) {
    return reject("resource id has an empty, '.' or '..' segment");
  }
  if (parts[0]?.toLowerCase() !== "subscriptions") return reject("resource id does not start with /subscriptions/");
  const subscriptionId = parts[1] ?? "";
  if (!GUID.test(subscriptionId)) return reject(`"${subscriptionId.slice(0, 40)}" is not a subscription GUID`);

  let index = 2;
  let resourceGroup: string | undefined;
  if (parts[index]?.toLowerCase() === "resourcegroups") {
    resourceGroup = parts[index + 1] ?? "";
    if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith(".")) {
      return reject(`"${resourceGroup.slice(0, 40)}" is not a valid resource group name`);
    }
    index += 2;
  }

  const segments: ArmTypeSegment[] = [];
  let action: string | undefined;
  while (index < parts.length) {
    if (parts[index]?.toLowerCase() !== "providers") return reject(`expected "providers" at segment ${index + 1}`);
    const namespace = parts[index + 1] ?? "";
    if (!NAMESPACE.test(namespace)) return reject(`"${namespace.slice(0, 40)}" is not a provider namespace`);
    index += 2;
    const types: string[] = [];
    const names: string[] = [];
    while (index < parts.length && parts[index]?.toLowerCase() !== "providers") {
      const type = parts[index] ?? "";
      const name = parts[index + 1];
      if (!TYPE_NAME.test(type)) return reject(`"${type.slice(0, 40)}" is not a resource type`);
      if (name === undefined) {
        if (types.length === 0) return reject(`resource type ${type} has no name`);
        action = type;
        index += 1;
        break;
      }
      if (!RESOURCE_NAME.test(name)) return reject(`"${name.slice(0, 40)}" is not a valid resource name`);
      types.push(type);
      names.push(name);
      index += 2;
    }
    if (types.length === 0) return reject(`provider ${namespace} names no resource type`);
    segments.push({ namespace, types, names });
  }
  const id = action === undefined ? text : text.slice(0, text.length - action.length - 1);
  return { ok: true, value: { id, subscriptionId, resourceGroup, segments, ...(action === undefined ? {} : { action }) } };
}

function reject(error: string): ArmIdParse {
  return { ok: false, error };
}

/** Ids are compared case-insensitively: ARM preserves the caller's casing. */
export function armIdKey(id: string): string {
  return id.toLowerCase();
}

export type KeyVaultResourceKind = "vault" | "managedHsm";

/**
 * Which vault or Managed HSM an id belongs to: the resource itself, one of its children (private endpoint
 * connections, keys, …) or an extension resource on its scope (diagnostic settings). Returns its canonical id.
 */
export function owningKeyVaultResource(
  armId: ArmResourceId,
): { readonly kind: KeyVaultResourceKind; readonly id: string; readonly relation: "self" | "child" | "extension" } | undefined {
  const [first, ...rest] = armId.segments;
  if (!first || armId.resourceGroup === undefined || first.namespace.toLowerCase() !== "microsoft.keyvault") return undefined;
  const topType = first.types[0]?.toLowerCase();
  const kind: KeyVaultResourceKind | undefined = topType === "vaults" ? "vault" : topType === "managedhsms" ? "managedHsm" : undefined;
  if (!kind) return undefined;
  const id = `/subscriptions/${armId.subscriptionId}/resourceGroups/${armId.resourceGroup}/providers/${first.namespace}/${first.types[0]}/${first.names[0]}`;
  const relation = rest.length > 0 ? "extension" : first.types.length > 1 ? "child" : "self";
  return { kind, id, relation };
}

/** The extension resource type on a scope, e.g. `microsoft.insights/diagnosticsettings`, lower-cased. */
export function extensionTypeOf(armId: ArmResourceId): string | undefined {
  const extension = armId.segments[1];
  return extension ? `${extension.namespace}/${extension.types.join("/")}`.toLowerCase() : undefined;
}

export function isPrivateEndpointId(armId: ArmResourceId): boolean {
  const [first] = armId.segments;
  return (
    armId.segments.length === 1 &&
    first !== undefined &&
    first.namespace.toLowerCase() === "microsoft.network" &&
    first.types.length === 1 &&
    first.types[0]?.toLowerCase() === "privateendpoints"
  );
}
