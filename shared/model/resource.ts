/**
 * The normalised posture of one Key Vault vault or Managed HSM: what every source (Resource Graph row,
 * ARM GET body, Resource Notifications payload, `az keyvault show`, SDK objects, JSON files) becomes
 * after normalisation, with the service's defaults applied.
 */

export type ResourceKind = "vault" | "managedHsm";

export const RESOURCE_TYPE_NAMES: Readonly<Record<ResourceKind, string>> = {
  vault: "Microsoft.KeyVault/vaults",
  managedHsm: "Microsoft.KeyVault/managedHSMs",
};

/**
 * A property as read from the input. `defaulted` says the input did not carry it and the
 * service default was applied; an unreadable property (present but of a type the API never sends)
 * carries the problem instead of a value, so the controls that need it report `Unknown`.
 */
export type Reading<T> =
  | { readonly known: true; readonly value: T; readonly defaulted: boolean }
  | { readonly known: false; readonly problem: string };

export interface PrivateEndpointConnection {
  readonly id: string | undefined;
  readonly privateEndpointId: string | undefined;
  /** `privateLinkServiceConnectionState.status` as given (Pending, Approved, Rejected, Disconnected). */
  readonly status: string | undefined;
  readonly provisioningState: string | undefined;
}

export interface VirtualNetworkRule {
  readonly subnetId: string | undefined;
  readonly ignoreMissingVnetServiceEndpoint: Reading<boolean>;
}

export interface DiagnosticLogEntry {
  readonly category: string | undefined;
  readonly categoryGroup: string | undefined;
  readonly enabled: Reading<boolean>;
}

export interface DiagnosticSetting {
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly workspaceId: string | undefined;
  readonly storageAccountId: string | undefined;
  readonly eventHubAuthorizationRuleId: string | undefined;
  readonly marketplacePartnerId: string | undefined;
  readonly logs: readonly DiagnosticLogEntry[];
}

/** Diagnostic settings are not part of the resource: they are supplied beside it, or not. */
export type DiagnosticSettingsReading =
  | { readonly state: "supplied"; readonly settings: readonly DiagnosticSetting[] }
  | { readonly state: "notSupplied" }
  | { readonly state: "unreadable"; readonly reason: string };

export interface ResourcePosture {
  /** The ARM id exactly as the source gave it (casing preserved). */
  readonly id: string;
  readonly kind: ResourceKind;
  readonly name: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly tags: Readonly<Record<string, string>>;

  readonly publicNetworkAccess: Reading<string>;
  readonly defaultAction: Reading<string>;
  readonly bypass: Reading<string>;
  /** Raw `ipRules[].value`s; `undefined` marks an entry without a readable string value. */
  readonly ipRules: Reading<readonly (string | undefined)[]>;
  readonly virtualNetworkRules: Reading<readonly VirtualNetworkRule[]>;
  readonly privateEndpointConnections: Reading<readonly PrivateEndpointConnection[]>;
  readonly enablePurgeProtection: Reading<boolean>;
  readonly enableSoftDelete: Reading<boolean>;
  readonly softDeleteRetentionInDays: Reading<number>;
  /** Vaults only; absent on HSMs. */
  readonly enableRbacAuthorization: Reading<boolean>;
  /** HSMs only: `securityDomainProperties.activationStatus`, `undefined` when absent. */
  readonly securityDomainActivationStatus: Reading<string | undefined>;
  readonly diagnosticSettings: DiagnosticSettingsReading;

  /** What the normaliser could not read, for warnings and evidence. */
  readonly problems: readonly string[];
}

/** Case-insensitive equality for enumerations and type names. */
export function sameText(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
