import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INFRA_DIR } from "./bicepSource.js";
import { type DeployIfNotExistsRule, type Json, type PolicyContext, evaluateCondition, evaluateIfNotExists, policyValue, templateValue } from "./policyRule.js";

type JsonObject = { [key: string]: Json };

const policy = JSON.parse(readFileSync(join(INFRA_DIR, "policy/event-wiring.policy.json"), "utf8")) as {
  mode: string;
  parameters: Record<string, { type: string; defaultValue?: Json; allowedValues?: Json[] }>;
  policyRule: DeployIfNotExistsRule;
};
const subscriptionFilter = JSON.parse(readFileSync(join(INFRA_DIR, "events/subscription-events.filter.json"), "utf8")) as JsonObject;
const storageNames = JSON.parse(readFileSync(join(INFRA_DIR, "app/storage-names.json"), "utf8")) as { queues: { events: string }; containers: { deadLetter: string } };
const policyBicep = readFileSync(join(INFRA_DIR, "onboard/event-wiring-policy.bicep"), "utf8");
const managementGroupBicep = readFileSync(join(INFRA_DIR, "onboard/management-group.bicep"), "utf8");

const SUBSCRIPTION = "5b4b650e-28b9-4790-b3ab-ddbd88d727c4";
const OTHER_SUBSCRIPTION = "0f8fad5b-d9cb-469f-a165-70867728950e";
const DELIVERY_IDENTITY = "/subscriptions/8f1c0c1e-7d3a-4a3c-9d4e-2b1c0c1e7d3a/resourceGroups/rg-vaultwatch-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-vaultwatch-events-x7k2";
const STORAGE = "/subscriptions/8f1c0c1e-7d3a-4a3c-9d4e-2b1c0c1e7d3a/resourceGroups/rg-vaultwatch-prod/providers/Microsoft.Storage/storageAccounts/stx7k2";

/** The values the management-group deployment assigns (event-wiring-policy.bicep), with the rest at their defaults. */
function assignedParameters(overrides: Record<string, Json> = {}): Record<string, Json> {
  const defaults = Object.fromEntries(Object.entries(policy.parameters).flatMap(([name, definition]) => (definition.defaultValue === undefined ? [] : [[name, definition.defaultValue]])));
  return {
    ...defaults,
    eventFilter: subscriptionFilter,
    deliveryIdentityResourceId: DELIVERY_IDENTITY,
    storageAccountResourceId: STORAGE,
    queueName: storageNames.queues.events,
    deadLetterContainerName: storageNames.containers.deadLetter,
    location: "westeurope",
    topicNamePrefix: "evgt-vaultwatch-resourcemanager-",
    eventSubscriptionName: "vaultwatch-q4zv3mzmvjbwe",
    ...overrides,
  };
}

const context = (overrides: Record<string, Json> = {}): PolicyContext => ({ parameters: assignedParameters(overrides), subscriptionId: SUBSCRIPTION });

/** The subscription as Azure Policy sees it. */
const subscriptionResource: JsonObject = { id: `/subscriptions/${SUBSCRIPTION}`, name: SUBSCRIPTION, type: "Microsoft.Resources/subscriptions" };

/** A system topic as ARM returns it (Microsoft.EventGrid/systemTopics 2025-02-15 GET). */
function systemTopic(options: { source?: string; topicType?: string; identities?: string[]; subscriptionId?: string } = {}): JsonObject {
  const subscriptionId = options.subscriptionId ?? SUBSCRIPTION;
  const identities = options.identities ?? [DELIVERY_IDENTITY];
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-vaultwatch-events/providers/Microsoft.EventGrid/systemTopics/evgt-vaultwatch-5b4b650e`,
    name: "evgt-vaultwatch-5b4b650e",
    type: "Microsoft.EventGrid/systemTopics",
    location: "global",
    tags: {},
    ...(identities.length === 0
      ? {}
      : {
          identity: {
            type: "UserAssigned",
            userAssignedIdentities: Object.fromEntries(identities.map((id) => [id, { principalId: "3f2504e0-4f89-11d3-9a0c-0305e82c3301", clientId: "6ba7b810-9dad-11d1-80b4-00c04fd430c8" }])),
          },
        }),
    properties: {
      source: options.source ?? `/subscriptions/${SUBSCRIPTION}`,
      topicType: options.topicType ?? "Microsoft.Resources.Subscriptions",
      metricResourceId: "c0a8f1e2-1234-4cde-9f00-112233445566",
      provisioningState: "Succeeded",
    },
  };
}

const rule = policy.policyRule;

describe("the event wiring policy rule (policy/event-wiring.policy.json)", () => {
  it("applies to subscriptions, and to nothing else", () => {
    expect(evaluateCondition(rule.if, subscriptionResource, context())).toBe(true);
    expect(evaluateCondition(rule.if, { id: "/subscriptions/x/resourceGroups/rg", name: "rg", type: "Microsoft.Resources/resourceGroups" }, context())).toBe(false);
    expect(evaluateCondition(rule.if, systemTopic(), context())).toBe(false);
    expect(policy.mode).toBe("All");
  });

  it("finds a subscription compliant when a system topic of the chosen type listens to it and carries the delivery identity", () => {
    expect(evaluateIfNotExists(rule, subscriptionResource, [systemTopic()], context())).toBe("Compliant");
    // ARM may return the identity key in another casing than the setting.
    expect(evaluateIfNotExists(rule, subscriptionResource, [systemTopic({ identities: [DELIVERY_IDENTITY.toLowerCase()] })], context())).toBe("Compliant");
  });

  it("finds it non-compliant with no topic, another deployment's topic, a topic without identity, or a topic of another type", () => {
    const otherIdentity = DELIVERY_IDENTITY.replace("id-vaultwatch-events-x7k2", "id-contoso-automation");
    expect(evaluateIfNotExists(rule, subscriptionResource, [], context())).toBe("NonCompliant");
    expect(evaluateIfNotExists(rule, subscriptionResource, [systemTopic({ identities: [otherIdentity] })], context())).toBe("NonCompliant");
    expect(evaluateIfNotExists(rule, subscriptionResource, [systemTopic({ identities: [] })], context())).toBe("NonCompliant");
    expect(evaluateIfNotExists(rule, subscriptionResource, [systemTopic({ topicType: "Microsoft.ResourceNotifications.Resources" })], context())).toBe("NonCompliant");
  });

  it("does not count a topic that listens to another subscription, even one held in this subscription", () => {
    expect(evaluateIfNotExists(rule, subscriptionResource, [systemTopic({ source: `/subscriptions/${OTHER_SUBSCRIPTION}` })], context())).toBe("NonCompliant");
  });

  it("follows the topic type it is assigned with", () => {
    const notifications = context({ topicType: "Microsoft.ResourceNotifications.Resources" });
    expect(evaluateIfNotExists(rule, subscriptionResource, [systemTopic({ topicType: "Microsoft.ResourceNotifications.Resources" })], notifications)).toBe("Compliant");
    expect(evaluateIfNotExists(rule, subscriptionResource, [systemTopic()], notifications)).toBe("NonCompliant");
    expect(policy.parameters.topicType?.allowedValues).toEqual(["Microsoft.Resources.Subscriptions", "Microsoft.ResourceNotifications.Resources"]);
  });

  it("is checked by an evaluator that refuses what it does not model, rather than passing it", () => {
    expect(() => evaluateCondition({ field: "Microsoft.EventGrid/systemTopics/eventSubscriptions/destination.endpointType", equals: "StorageQueue" }, systemTopic(), context())).toThrow(/does not know/);
    expect(() => evaluateCondition({ field: "type", matchInsensitively: "x" }, systemTopic(), context())).toThrow(/operator/);
    expect(() => policyValue("[resourceGroup().location]", context())).toThrow(/does not support/);
  });

  it("deploys by default, and can be switched to audit only", () => {
    expect(policyValue(rule.then.effect, context())).toBe("DeployIfNotExists");
    expect(policy.parameters.effect?.allowedValues).toEqual(["DeployIfNotExists", "AuditIfNotExists", "Disabled"]);
    expect(rule.then.details).toMatchObject({ type: "Microsoft.EventGrid/systemTopics", existenceScope: "subscription", deploymentScope: "subscription" });
  });
});

describe("the policy's deployment", () => {
  const deployment = rule.then.details.deployment as { location: Json; properties: { parameters: Record<string, { value: Json }>; template: JsonObject } };
  const outer = deployment.properties.template as { parameters: Record<string, Json>; variables: Record<string, Json>; resources: JsonObject[] };
  const nested = outer.resources.find((resource) => resource.type === "Microsoft.Resources/deployments") as { resourceGroup: Json; properties: { parameters: Record<string, { value: Json }>; template: { resources: JsonObject[] } } };
  const resourceGroup = outer.resources.find((resource) => resource.type === "Microsoft.Resources/resourceGroups") as JsonObject;

  /** What the remediation deploys for SUBSCRIPTION: the policy's values into the outer template, then into the nested one. */
  function rendered(overrides: Record<string, Json> = {}) {
    const policyContext = context(overrides);
    const outerParameters = Object.fromEntries(Object.entries(deployment.properties.parameters).map(([name, { value }]) => [name, policyValue(value, policyContext)]));
    const outerContext = { parameters: outerParameters, subscriptionId: SUBSCRIPTION, variables: {} as Record<string, Json> };
    const variables = Object.fromEntries(Object.entries(outer.variables).map(([name, value]) => [name, templateValue(value, outerContext)]));
    const withVariables = { ...outerContext, variables };
    const innerParameters = Object.fromEntries(Object.entries(nested.properties.parameters).map(([name, { value }]) => [name, templateValue(value, withVariables)]));
    const innerContext = { parameters: innerParameters, subscriptionId: SUBSCRIPTION };
    // dependsOn only orders the deployment; it is not part of what gets created.
    const resources = nested.properties.template.resources.map(({ dependsOn: _order, ...resource }) => templateValue(resource, innerContext) as JsonObject);
    return {
      resourceGroup: templateValue(resourceGroup, withVariables) as JsonObject,
      nestedResourceGroup: templateValue(nested.resourceGroup, withVariables),
      topic: resources.find((resource) => resource.type === "Microsoft.EventGrid/systemTopics") as JsonObject,
      eventSubscription: resources.find((resource) => resource.type === "Microsoft.EventGrid/systemTopics/eventSubscriptions") as JsonObject,
    };
  }

  it("creates a topic that makes the subscription compliant, so remediation converges instead of redeploying forever", () => {
    const { topic } = rendered();
    const asArmReturnsIt = { ...topic, id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-vaultwatch-events/providers/Microsoft.EventGrid/systemTopics/${String(topic.name)}` };
    expect(evaluateIfNotExists(rule, subscriptionResource, [asArmReturnsIt], context())).toBe("Compliant");
    const notifications = rendered({ topicType: "Microsoft.ResourceNotifications.Resources" }).topic;
    expect(evaluateIfNotExists(rule, subscriptionResource, [notifications], context({ topicType: "Microsoft.ResourceNotifications.Resources" }))).toBe("Compliant");
  });

  it("puts the topic in its own resource group with the name the Bicep onboarding uses, one per subscription", () => {
    const { resourceGroup: group, nestedResourceGroup, topic } = rendered();
    expect(group).toMatchObject({ name: "rg-vaultwatch-events", location: "westeurope" });
    expect(nestedResourceGroup).toBe("rg-vaultwatch-events");
    expect(topic).toMatchObject({ name: `evgt-vaultwatch-resourcemanager-${SUBSCRIPTION.slice(0, 8)}`, location: "global", properties: { source: `/subscriptions/${SUBSCRIPTION}` } });
  });

  it("names the topic by its event source and the event subscription by its destination, as the per-subscription onboarding does", () => {
    const subscriptionBicep = readFileSync(join(INFRA_DIR, "onboard/subscription.bicep"), "utf8");
    const eventsBicep = readFileSync(join(INFRA_DIR, "onboard/events.bicep"), "utf8");
    // Switching the event source must create another topic (its type cannot change in place), and two
    // environments watching one subscription must not overwrite each other's event subscription.
    expect(subscriptionBicep).toContain("'${abbrs.eventGridSystemTopics}vaultwatch-${toLower(eventSource)}-${take(thisSubscription, 8)}'");
    expect(policyBicep).toContain("value: '${abbrs.eventGridSystemTopics}vaultwatch-${toLower(eventSource)}-'");
    expect(eventsBicep).toContain("name: 'vaultwatch-${uniqueString(storageAccountResourceId, queueName)}'");
    expect(policyBicep).toContain("value: 'vaultwatch-${uniqueString(storageAccountResourceId, storageNames.queues.events)}'");
    const notifications = rendered({ topicNamePrefix: "evgt-vaultwatch-resourcenotifications-" }).topic;
    expect(notifications.name).toBe(`evgt-vaultwatch-resourcenotifications-${SUBSCRIPTION.slice(0, 8)}`);
  });

  it("delivers to the central events queue with the delivery identity, dead-letters to its container, with today's filter", () => {
    const { eventSubscription } = rendered();
    expect(eventSubscription.name).toBe(`evgt-vaultwatch-resourcemanager-${SUBSCRIPTION.slice(0, 8)}/vaultwatch-q4zv3mzmvjbwe`);
    expect(eventSubscription.properties).toEqual({
      eventDeliverySchema: "EventGridSchema",
      filter: subscriptionFilter,
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
      deliveryWithResourceIdentity: {
        identity: { type: "UserAssigned", userAssignedIdentity: DELIVERY_IDENTITY },
        destination: { endpointType: "StorageQueue", properties: { resourceId: STORAGE, queueName: storageNames.queues.events, queueMessageTimeToLiveInSeconds: 604800 } },
      },
      deadLetterWithResourceIdentity: {
        identity: { type: "UserAssigned", userAssignedIdentity: DELIVERY_IDENTITY },
        deadLetterDestination: { endpointType: "StorageBlob", properties: { resourceId: STORAGE, blobContainerName: storageNames.containers.deadLetter } },
      },
    });
  });

  it("uses no key, SAS or endpoint URL", () => {
    expect(JSON.stringify(rule)).not.toMatch(/listKeys|endpointUrl|sasToken|AccountKey/i);
  });
});

describe("the policy's assignment (onboard/event-wiring-policy.bicep)", () => {
  it("loads the rule and both event filters from the data files, so policy and Bicep onboarding deliver the same events", () => {
    expect(policyBicep).toContain("loadJsonContent('../policy/event-wiring.policy.json')");
    expect(policyBicep).toContain("loadJsonContent('../events/subscription-events.filter.json')");
    expect(policyBicep).toContain("loadJsonContent('../events/resource-notifications.filter.json')");
  });

  it("gives the assignment's identity only the custom wiring role at the group and Managed Identity Operator on the delivery identity", () => {
    const role = JSON.parse(readFileSync(join(INFRA_DIR, "roles/vaultwatch-event-wiring.json"), "utf8")) as { actions: string[]; dataActions: string[] };
    expect(role.dataActions).toEqual([]);
    expect(role.actions.filter((action) => !/^Microsoft\.(Resources\/(subscriptions\/resourceGroups|deployments)|EventGrid\/systemTopics)\b/.test(action))).toEqual([]);
    expect(role.actions.filter((action) => action.includes("*") || /delete/i.test(action))).toEqual([]);
    expect(policyBicep.match(/'Microsoft\.Authorization\/roleAssignments@/g) ?? []).toHaveLength(1);
    expect(readFileSync(join(INFRA_DIR, "onboard/identity-operator.bicep"), "utf8")).toContain("scope: identity");
  });

  it("is what a management-group onboarding deploys by default, with a remediation task for existing subscriptions", () => {
    expect(managementGroupBicep).toMatch(/module wiringPolicy 'event-wiring-policy.bicep' = if \(eventWiring == 'Policy'\)/);
    expect(managementGroupBicep).toContain("param eventWiring string = 'Policy'");
    expect(policyBicep).toContain("'Microsoft.PolicyInsights/remediations@");
    expect(policyBicep).toContain("identity: {\n    type: 'SystemAssigned'\n  }");
  });
});
