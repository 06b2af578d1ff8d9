import { type KeyVaultResourceKind, isPrivateEndpointId, owningKeyVaultResource, parseArmId } from "../model/armId.js";
import type { ArmRestClient } from "./armRestClient.js";
import { AzureReadError } from "./readError.js";

/** A current stable Microsoft.Network version whose private endpoint carries both connection lists. */
export const PRIVATE_ENDPOINT_API_VERSION = "2024-05-01";

export interface PrivateLinkTarget {
  /** `privateLinkServiceId` as ARM gave it. */
  readonly privateLinkServiceId: string;
  /** The vault or HSM it points at (canonical id), when it is one. */
  readonly keyVaultResource: { readonly id: string; readonly kind: KeyVaultResourceKind } | undefined;
  /** `privateLinkServiceConnectionState.status` as given. */
  readonly status: string | undefined;
  /** True for `manualPrivateLinkServiceConnections` (requests that await approval). */
  readonly manual: boolean;
}

export type PrivateEndpointReadResult =
  | { readonly state: "found"; readonly id: string; readonly targets: readonly PrivateLinkTarget[]; readonly body: Readonly<Record<string, unknown>> }
  | { readonly state: "deleted"; readonly id: string }
  | { readonly state: "forbidden"; readonly id: string; readonly reason: string }
  | { readonly state: "malformed"; readonly id: string; readonly reason: string };

/**
 * Reads a `Microsoft.Network/privateEndpoints` resource to learn which vaults or HSMs it connects to (no installed
 * SDK covers Network, so this is a plain ARM GET through the SDK pipeline). The id is checked before any URL.
 */
export class PrivateEndpointReader {
  constructor(private readonly arm: ArmRestClient) {}

  async read(id: string, options: { abortSignal?: AbortSignal } = {}): Promise<PrivateEndpointReadResult> {
    const parsed = parseArmId(id);
    if (!parsed.ok) throw new RangeError(`Not a valid resource id (${parsed.error}): ${String(id).slice(0, 200)}`);
    if (!isPrivateEndpointId(parsed.value)) throw new RangeError(`Not a private endpoint id: ${id.slice(0, 200)}`);
    const target = parsed.value.id;
    const response = await this.arm.send("GET", `${target}?api-version=${PRIVATE_ENDPOINT_API_VERSION}`, options);
    const code = (response.body as { error?: { code?: unknown } } | undefined)?.error?.code;
    if (response.status === 404) return { state: "deleted", id: target };
    if (response.status === 403) return { state: "forbidden", id: target, reason: `ARM refused to read ${target}: 403 ${typeof code === "string" ? code : "Forbidden"}.` };
    if (response.status !== 200) {
      throw new AzureReadError(`Azure Resource Manager refused reading ${target}: ${response.status}${typeof code === "string" ? ` ${code}` : ""}.`, {
        service: "Azure Resource Manager",
        statusCode: response.status,
        code: typeof code === "string" ? code : undefined,
        requestId: response.headers.get("x-ms-request-id"),
      });
    }
    const body = response.body;
    if (typeof body !== "object" || body === null || Array.isArray(body) || typeof (body as { properties?: unknown }).properties !== "object") {
      return { state: "malformed", id: target, reason: `ARM answered 200 for ${target} with a body that is not a private endpoint.` };
    }
    const properties = (body as { properties: Record<string, unknown> }).properties;
    const targets = [
      ...linksOf(properties["privateLinkServiceConnections"], false),
      ...linksOf(properties["manualPrivateLinkServiceConnections"], true),
    ];
    return { state: "found", id: target, targets, body: body as Record<string, unknown> };
  }
}

function linksOf(value: unknown, manual: boolean): PrivateLinkTarget[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((link): PrivateLinkTarget[] => {
    const properties = (link as { properties?: Record<string, unknown> } | null)?.properties;
    const serviceId = properties?.["privateLinkServiceId"];
    if (typeof serviceId !== "string") return [];
    const parsed = parseArmId(serviceId);
    const owner = parsed.ok ? owningKeyVaultResource(parsed.value) : undefined;
    const state = properties?.["privateLinkServiceConnectionState"] as { status?: unknown } | undefined;
    return [
      {
        privateLinkServiceId: serviceId,
        keyVaultResource: owner?.relation === "self" ? { id: owner.id, kind: owner.kind } : undefined,
        status: typeof state?.status === "string" ? state.status : undefined,
        manual,
      },
    ];
  });
}
