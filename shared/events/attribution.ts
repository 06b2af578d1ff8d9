import { isRecord } from "../normalise/readValues.js";

/** Who changed a resource and how, copied from the event: never looked up, never interpreted. */
export interface ChangeAttribution {
  readonly operation?: string;
  readonly callerObjectId?: string;
  /** User principal name, or the application id for a service principal. */
  readonly callerName?: string;
  readonly callerRole?: string;
  readonly clientIp?: string;
  readonly correlationId?: string;
}

const MAX_FIELD_LENGTH = 256;

const CLAIM = {
  objectId: ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"],
  userPrincipalName: ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "upn", "unique_name"],
  applicationId: ["appid", "azp"],
} as const;

/**
 * Reads the caller of a `Microsoft.Resources.*` event from `data.claims`, `data.authorization` and `data.httpRequest`.
 * Values are kept as plain, length-capped text with control characters removed: a hostile claim is data, not markup.
 */
export function attributionOf(data: unknown): ChangeAttribution | undefined {
  if (!isRecord(data)) return undefined;
  const claims = isRecord(data.claims) ? data.claims : {};
  const authorization = isRecord(data.authorization) ? data.authorization : {};
  const evidence = isRecord(authorization.evidence) ? authorization.evidence : {};
  const httpRequest = isRecord(data.httpRequest) ? data.httpRequest : {};
  const claim = (names: readonly string[]): string | undefined => names.map((name) => text(claims[name])).find((value) => value !== undefined);

  const attribution: ChangeAttribution = {
    operation: text(data.operationName),
    callerObjectId: claim(CLAIM.objectId) ?? text(evidence.principalId),
    callerName: claim(CLAIM.userPrincipalName) ?? claim(CLAIM.applicationId),
    callerRole: text(evidence.role),
    clientIp: text(httpRequest.clientIpAddress),
    correlationId: text(data.correlationId),
  };
  const present = Object.entries(attribution).filter(([, value]) => value !== undefined);
  return present.length > 0 ? (Object.fromEntries(present) as ChangeAttribution) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return cleaned === "" ? undefined : cleaned.slice(0, MAX_FIELD_LENGTH);
}
