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
  /**
   * The properties that could not be read: with `Unknown` they are why; with any other class they could not have
   * changed it (the class holds whatever they say), and the paths are those the readable properties prove.
   */
  readonly problem?: string;
}

/** Rank for comparisons: 0 is the widest. `Unknown` has no rank. */
export function exposureRank(exposureClass: ExposureClass): number | undefined {
  const rank = (EXPOSURE_CLASSES as readonly string[]).indexOf(exposureClass);
  return rank < 0 ? undefined : rank;
}
