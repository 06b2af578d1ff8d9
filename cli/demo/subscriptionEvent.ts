import { randomUUID } from "node:crypto";

export interface Caller {
  /** User principal name, or undefined for a service principal. */
  readonly userPrincipalName?: string;
  readonly applicationId?: string;
  readonly objectId: string;
  readonly role: string;
  readonly principalType: "User" | "ServicePrincipal";
  readonly clientIp: string;
}

export interface SubscriptionEventInput {
  readonly kind: "Write" | "Delete";
  readonly subject: string;
  readonly operationName: string;
  readonly caller: Caller;
  readonly time: Date;
  readonly tenantId: string;
}

/**
 * A `Microsoft.Resources.Resource{Write,Delete}Success` event in the Event Grid schema, shaped as a subscription
 * system topic publishes it (see test/fixtures/events): what the demo's scripted changes would raise in Azure.
 */
export function subscriptionEvent(input: SubscriptionEventInput): Record<string, unknown> {
  const subscriptionId = input.subject.split("/")[2] ?? "";
  const provider = input.operationName.split("/")[0] ?? "";
  const claims: Record<string, string> = {
    aud: "https://management.core.windows.net/",
    iss: `https://sts.windows.net/${input.tenantId}/`,
    "http://schemas.microsoft.com/identity/claims/objectidentifier": input.caller.objectId,
    "http://schemas.microsoft.com/identity/claims/tenantid": input.tenantId,
    ver: "1.0",
  };
  if (input.caller.userPrincipalName) claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = input.caller.userPrincipalName;
  if (input.caller.applicationId) claims.appid = input.caller.applicationId;
  return {
    id: randomUUID(),
    topic: `/subscriptions/${subscriptionId}`,
    subject: input.subject,
    eventType: `Microsoft.Resources.Resource${input.kind}Success`,
    eventTime: input.time.toISOString(),
    dataVersion: "2",
    metadataVersion: "1",
    data: {
      authorization: {
        scope: input.subject,
        action: input.operationName,
        evidence: { role: input.caller.role, principalType: input.caller.principalType, principalId: input.caller.objectId },
      },
      claims,
      correlationId: randomUUID(),
      httpRequest: {
        clientRequestId: randomUUID(),
        clientIpAddress: input.caller.clientIp,
        method: input.kind === "Delete" ? "DELETE" : "PUT",
        url: `https://management.azure.com${input.subject}`,
      },
      resourceProvider: provider,
      resourceUri: input.subject,
      operationName: input.operationName,
      status: "Succeeded",
      subscriptionId,
      tenantId: input.tenantId,
    },
  };
}
