export { startEmulator, type Emulator, type EmulatorClientOptions, type EmulatorOptions } from "./server.js";
export { staticCredential, EMULATOR_TOKEN } from "./credential.js";
export {
  Estate,
  FORBIDDEN_DIAGNOSTIC_SETTINGS_REASON,
  MANAGED_HSM_TYPE,
  PRIVATE_ENDPOINT_TYPE,
  VAULT_TYPE,
  type JsonObject,
  type KeyVaultResourceKind,
  type ManagementGroupRecord,
  type MutationOptions,
  type PrivateEndpointConnectionSpec,
  type PrivateEndpointConnectionStatus,
  type SubscriptionRecord,
} from "./estate.js";
export { generateEstate, type GenerateEstateOptions, type GeneratedEstate } from "./generateEstate.js";
export { exportEstate } from "./exportEstate.js";
export { IngestionLedger, type AcceptedUpload, type DataCollectionRules, type IngestedRecord, type StreamColumns } from "./ingestion.js";
export { defaultKnobs, type FaultRule, type KnobOverrides, type Knobs, type OutageMode, type RetryAfterStyle } from "./knobs.js";
export { RequestCounters } from "./counters.js";
export { REQUEST_KINDS, type RequestKind } from "./requestKinds.js";
export { EVENT_TOPICS_QUERY, POSTURE_QUERY } from "./resourceGraph.js";
