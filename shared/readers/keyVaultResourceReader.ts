import { isRestError } from "@azure/core-rest-pipeline";
import { type KeyVaultResourceKind, armIdKey, owningKeyVaultResource, parseArmId } from "../model/armId.js";
import { toAzureReadError } from "./readError.js";

/** What one ARM GET of a vault or Managed HSM found. */
export type KeyVaultReadResult =
  /** `resource` is the ARM GET body exactly as sent (not the SDK's reshaped object). */
  | { readonly state: "found"; readonly id: string; readonly resource: Readonly<Record<string, unknown>> }
  /** 404 or 410: the resource no longer exists. */
  | { readonly state: "deleted"; readonly id: string }
  /** 403: the identity may not read it. */
  | { readonly state: "forbidden"; readonly id: string; readonly reason: string }
  /** ARM answered, but not with a body that describes the resource (an HSM's 204, a thin body, another resource). */
  | { readonly state: "malformed"; readonly id: string; readonly reason: string };

interface RawResponse {
  readonly status: number;
  readonly parsedBody?: unknown;
}
interface GetOptions {
  abortSignal?: AbortSignal;
  onResponse?: (raw: RawResponse) => void;
}

/** The slice of `KeyVaultManagementClient` the reader uses (one client per subscription, as the SDK requires). */
export interface KeyVaultGetClient {
  readonly vaults: { get(resourceGroupName: string, vaultName: string, options?: GetOptions): Promise<unknown> };
  readonly managedHsms: { get(resourceGroupName: string, name: string, options?: GetOptions): Promise<unknown> };
}

/**
 * Reads one vault or Managed HSM by id through arm-keyvault (for events). The id is checked strictly before it
 * becomes a URL. The SDK is still the one that talks to ARM; its raw body is kept because the SDK drops
 * properties it does not know and turns timestamps into Dates.
 */
export class KeyVaultResourceReader {
  constructor(private readonly clientFor: (subscriptionId: string) => KeyVaultGetClient) {}

  async read(id: string, options: { abortSignal?: AbortSignal } = {}): Promise<KeyVaultReadResult> {
    const target = parseKeyVaultId(id);
    const client = this.clientFor(target.subscriptionId);
    let raw: RawResponse | undefined;
    const getOptions: GetOptions = {
      abortSignal: options.abortSignal,
      onResponse: (response) => {
        raw = response;
      },
    };
    try {
      if (target.kind === "vault") await client.vaults.get(target.resourceGroup, target.name, getOptions);
      else await client.managedHsms.get(target.resourceGroup, target.name, getOptions);
    } catch (error) {
      // 404 NotFound, or 410 Gone (a resource provider's answer for a resource being or already deleted).
      if (isRestError(error) && (error.statusCode === 404 || error.statusCode === 410)) return { state: "deleted", id: target.id };
      if (isRestError(error) && error.statusCode === 403) {
        return { state: "forbidden", id: target.id, reason: `ARM refused to read ${target.id}: 403 ${error.code ?? "Forbidden"}.` };
      }
      // arm-keyvault deserialises without checks: a 204 or a body without properties/sku surfaces as a TypeError.
      if (error instanceof TypeError && raw !== undefined) {
        return { state: "malformed", id: target.id, reason: describeMalformed(raw, error.message) };
      }
      throw toAzureReadError("Azure Resource Manager", `reading ${target.id}`, error);
    }
    const body = raw?.parsedBody;
    if (raw === undefined || raw.status !== 200 || typeof body !== "object" || body === null || Array.isArray(body)) {
      return { state: "malformed", id: target.id, reason: describeMalformed(raw, "the response carried no resource") };
    }
    const bodyId = (body as { id?: unknown }).id;
    if (typeof bodyId !== "string" || armIdKey(bodyId) !== armIdKey(target.id)) {
      return { state: "malformed", id: target.id, reason: `ARM answered a read of ${target.id} with ${typeof bodyId === "string" ? `resource ${bodyId}` : "a body without an id"}.` };
    }
    return { state: "found", id: target.id, resource: body as Record<string, unknown> };
  }
}

function describeMalformed(raw: RawResponse | undefined, detail: string): string {
  const status = raw === undefined ? "no response" : raw.status === 204 ? "204 No Content" : String(raw.status);
  return `ARM answered ${status} with a body that does not describe the resource (${detail}).`;
}

/** Parses and checks a vault or HSM id; throws `RangeError` for anything else, before it reaches a URL. */
export function parseKeyVaultId(id: string): { id: string; kind: KeyVaultResourceKind; subscriptionId: string; resourceGroup: string; name: string } {
  const parsed = parseArmId(id);
  if (!parsed.ok) throw new RangeError(`Not a valid resource id (${parsed.error}): ${String(id).slice(0, 200)}`);
  const owner = owningKeyVaultResource(parsed.value);
  if (owner === undefined || owner.relation !== "self" || parsed.value.resourceGroup === undefined) {
    throw new RangeError(`Not a Key Vault vault or Managed HSM id: ${id.slice(0, 200)}`);
  }
  const name = parsed.value.segments[0]?.names[0] as string;
  return { id: owner.id, kind: owner.kind, subscriptionId: parsed.value.subscriptionId, resourceGroup: parsed.value.resourceGroup, name };
}
