/** Every kind of request the emulator tells apart, for counters, faults, outages and latency. */
export const REQUEST_KINDS = [
  "resourceGraph",
  "armVault",
  "armManagedHsm",
  "armVaultList",
  "armManagedHsmList",
  "armPrivateEndpointConnections",
  "armPrivateEndpoint",
  "armSubscriptions",
  "diagnosticSettings",
  "batch",
  "ingestion",
  "unrecognised",
] as const;

export type RequestKind = (typeof REQUEST_KINDS)[number];

export type CountsByKind = Record<RequestKind, number>;

export function zeroCounts(): CountsByKind {
  return Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, 0])) as CountsByKind;
}
