/**
 * Effective network exposure: who can reach the resource's data plane right now.
 * A fact, not a control: it carries no pass or fail. Ordered from widest to narrowest.
 */
export const EXPOSURE_CLASSES = [
  "Internet",
  "PublicRestricted",
  "TrustedServicesOnly",
  "PrivateOnly",
  "Perimeter",
  "Unreachable",
] as const;

export type ExposureClass = (typeof EXPOSURE_CLASSES)[number] | "Unknown";

export type ExposurePath =
  | { readonly kind: "allNetworks" }
  | { readonly kind: "ipRule"; readonly value: string; readonly addresses: number | undefined }
  | { readonly kind: "virtualNetworkRule"; readonly subnetId: string }
  | { readonly kind: "trustedServices" }
  | { readonly kind: "privateEndpoint"; readonly privateEndpointId: string; readonly connectionId: string }
  | { readonly kind: "networkSecurityPerimeter" };

export interface Exposure {
  readonly class: ExposureClass;
  readonly paths: readonly ExposurePath[];
  /** Set when `class` is `Unknown`: the property that could not be read. */
  readonly problem?: string;
}

/** Rank for comparisons: 0 is the widest. `Unknown` has no rank. */
export function exposureRank(exposureClass: ExposureClass): number | undefined {
  const rank = (EXPOSURE_CLASSES as readonly string[]).indexOf(exposureClass);
  return rank < 0 ? undefined : rank;
}
