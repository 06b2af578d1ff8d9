import {
  type ArmResourceId,
  type KeyVaultResourceKind,
  armIdKey,
  extensionTypeOf,
  isPrivateEndpointId,
  owningKeyVaultResource,
  parseArmId,
} from "../model/armId.js";
import { isRecord } from "../normalise/readValues.js";
import { type ChangeAttribution, attributionOf } from "./attribution.js";
import { type EventEnvelope, parseEnvelope } from "./eventEnvelope.js";

export interface KeyVaultTarget {
  /** Canonical id of the vault or HSM, in the caller's casing. */
  readonly id: string;
  /** Lower-cased id: ARM casing varies by caller, so targets are matched on this. */
  readonly key: string;
  readonly kind: KeyVaultResourceKind;
}

/** The event behind an evaluation: written on every row it causes. */
export interface EventCause {
  readonly eventId: string;
  readonly eventType: string;
  readonly eventTime: Date;
  readonly attribution?: ChangeAttribution;
}

/**
 * What an event asks of vaultwatch. Events are hints and reads are truth (a design decision):
 * `Microsoft.Resources.*` events only name a resource to re-read; Resource Notifications carry the resource
 * (or its deletion) with the time it was observed, to apply only when newer than what was last recorded.
 */
export type ResourceChange =
  | { readonly kind: "reread"; readonly target: KeyVaultTarget; readonly cause: EventCause }
  | {
      readonly kind: "payload";
      readonly target: KeyVaultTarget;
      readonly cause: EventCause;
      readonly resource: Record<string, unknown>;
      readonly observedAt: Date;
    }
  | { readonly kind: "deleted"; readonly target: KeyVaultTarget; readonly cause: EventCause; readonly observedAt: Date }
  /** A private endpoint changed: read it to learn which vaults or HSMs it connects to. */
  | { readonly kind: "privateEndpoint"; readonly privateEndpointId: string; readonly deleted: boolean; readonly cause: EventCause }
  | { readonly kind: "ignored"; readonly eventId: string; readonly reason: string }
  | { readonly kind: "rejected"; readonly eventId: string | undefined; readonly reason: string };

const RESOURCES_EVENT = /^microsoft\.resources\.resource(write|delete|action)success$/i;
const NOTIFICATION_CREATED = "microsoft.resourcenotifications.resources.createdorupdated";
const NOTIFICATION_DELETED = "microsoft.resourcenotifications.resources.deleted";
const CHILDREN_THAT_CHANGE_POSTURE = new Set(["privateendpointconnections"]);
const EXTENSIONS_THAT_CHANGE_POSTURE = new Set(["microsoft.insights/diagnosticsettings"]);

/** Classifies one raw event (either schema). Never throws. */
export function resourceChangeOf(rawEvent: unknown): ResourceChange {
  const parsed = parseEnvelope(rawEvent);
  if (!parsed.ok) {
    const id = isRecord(rawEvent) && typeof rawEvent.id === "string" ? rawEvent.id.slice(0, 100) : undefined;
    return { kind: "rejected", eventId: id, reason: parsed.error };
  }
  const event = parsed.envelope;
  const type = event.type.toLowerCase();
  if (RESOURCES_EVENT.test(type)) return fromResourcesEvent(event);
  if (type === NOTIFICATION_CREATED || type === NOTIFICATION_DELETED) return fromResourceNotification(event, type === NOTIFICATION_DELETED);
  return { kind: "ignored", eventId: event.id, reason: `event type ${event.type.slice(0, 120)} is not one vaultwatch acts on` };
}

function fromResourcesEvent(event: EventEnvelope): ResourceChange {
  const subject = checkedSubject(event);
  if (!subject.ok) return { kind: "rejected", eventId: event.id, reason: subject.error };
  const data = isRecord(event.data) ? event.data : {};
  if (data.resourceUri !== undefined && (typeof data.resourceUri !== "string" || armIdKey(data.resourceUri) !== armIdKey(event.subject))) {
    // The subject decides which resource is evaluated and attributed; a payload naming another one is forged or corrupt.
    return { kind: "rejected", eventId: event.id, reason: "subject and data.resourceUri name different resources" };
  }
  const cause: EventCause = { eventId: event.id, eventType: event.type, eventTime: event.time, attribution: attributionOf(data) };
  const deleted = /deletesuccess$/i.test(event.type);

  if (isPrivateEndpointId(subject.value)) return { kind: "privateEndpoint", privateEndpointId: subject.value.id, deleted, cause };
  const owner = owningKeyVaultResource(subject.value);
  if (!owner) return { kind: "ignored", eventId: event.id, reason: "subject is not a Key Vault vault, Managed HSM or private endpoint" };
  if (owner.relation === "child") {
    const childType = subject.value.segments[0]?.types[1]?.toLowerCase() ?? "";
    if (!CHILDREN_THAT_CHANGE_POSTURE.has(childType)) {
      return { kind: "ignored", eventId: event.id, reason: `a change to ${childType} does not affect any control` };
    }
  }
  if (owner.relation === "extension") {
    const extension = extensionTypeOf(subject.value) ?? "";
    if (!EXTENSIONS_THAT_CHANGE_POSTURE.has(extension)) {
      return { kind: "ignored", eventId: event.id, reason: `a change to ${extension} does not affect any control` };
    }
  }
  return { kind: "reread", target: { id: owner.id, key: armIdKey(owner.id), kind: owner.kind }, cause };
}

function fromResourceNotification(event: EventEnvelope, deleted: boolean): ResourceChange {
  const subject = checkedSubject(event);
  if (!subject.ok) return { kind: "rejected", eventId: event.id, reason: subject.error };
  const data = isRecord(event.data) ? event.data : undefined;
  const resourceInfo = data && isRecord(data.resourceInfo) ? data.resourceInfo : undefined;
  if (!resourceInfo) return { kind: "rejected", eventId: event.id, reason: "data.resourceInfo is missing" };
  if (typeof resourceInfo.id !== "string" || armIdKey(resourceInfo.id) !== armIdKey(subject.value.id)) {
    return { kind: "rejected", eventId: event.id, reason: "subject and data.resourceInfo.id name different resources" };
  }
  const operational = isRecord(data?.operationalInfo) ? data.operationalInfo : {};
  const reported = typeof operational.resourceEventTime === "string" ? new Date(operational.resourceEventTime) : undefined;
  const observedAt = reported && !Number.isNaN(reported.getTime()) ? reported : event.time;
  const cause: EventCause = { eventId: event.id, eventType: event.type, eventTime: event.time };

  if (isPrivateEndpointId(subject.value)) return { kind: "privateEndpoint", privateEndpointId: subject.value.id, deleted, cause };
  const owner = owningKeyVaultResource(subject.value);
  if (!owner || owner.relation !== "self") {
    return { kind: "ignored", eventId: event.id, reason: "resource is not a Key Vault vault, Managed HSM or private endpoint" };
  }
  const target = { id: owner.id, key: armIdKey(owner.id), kind: owner.kind };
  if (deleted) return { kind: "deleted", target, cause, observedAt };
  return { kind: "payload", target, cause, resource: resourceInfo, observedAt };
}

function checkedSubject(event: EventEnvelope): { ok: true; value: ArmResourceId } | { ok: false; error: string } {
  const subject = parseArmId(event.subject);
  if (!subject.ok) return { ok: false, error: `subject is not a well-formed ARM resource id: ${subject.error}` };
  const topicSubscription = /^\/subscriptions\/([^/]+)$/i.exec(event.topic ?? "")?.[1];
  if (topicSubscription !== undefined && topicSubscription.toLowerCase() !== subject.value.subscriptionId.toLowerCase()) {
    return { ok: false, error: "subject lies outside the subscription of the topic that published it" };
  }
  return subject;
}
