import { describe, expect, it } from "vitest";
import { classifyWiring, eventTopicOfRow } from "./eventWiring.js";

const SUB_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const SUB_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const IDENTITY = "/subscriptions/cccccccc-cccc-4ccc-8ccc-cccccccccccc/resourceGroups/rg-vw/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-vaultwatch-events";

/** A row as Resource Graph returns the event topic query's projection. */
function row(subscriptionId: string, source: string, identityIds: string[]) {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/rg-events/providers/Microsoft.EventGrid/systemTopics/evgt-${source.slice(-4)}`,
    subscriptionId,
    topicType: "Microsoft.Resources.Subscriptions",
    source,
    identity: { type: "UserAssigned", userAssignedIdentities: Object.fromEntries(identityIds.map((id) => [id, { principalId: "p", clientId: "c" }])) },
  };
}

describe("event wiring from Resource Graph's system topics", () => {
  it("counts a topic for the subscription it listens to, even when it lives in another subscription's resource group", () => {
    const topic = eventTopicOfRow(row(SUB_B, `/subscriptions/${SUB_A}`, [IDENTITY]));
    expect(classifyWiring([SUB_A, SUB_B], topic === undefined ? [] : [topic], IDENTITY).map((entry) => entry.wiring)).toEqual(["Wired", "NotWired"]);
  });

  it("does not count another deployment's topic, whatever its type", () => {
    const topic = eventTopicOfRow(row(SUB_A, `/subscriptions/${SUB_A}`, [IDENTITY.replace("id-vaultwatch-events", "id-other")]));
    expect(classifyWiring([SUB_A], topic === undefined ? [] : [topic], IDENTITY)).toEqual([{ subscriptionId: SUB_A, wiring: "NotWired" }]);
  });

  it("says a topic exists but cannot be attributed when no delivery identity is known", () => {
    const topic = eventTopicOfRow(row(SUB_A, `/subscriptions/${SUB_A}`, []));
    expect(classifyWiring([SUB_A], topic === undefined ? [] : [topic], undefined)).toEqual([{ subscriptionId: SUB_A, wiring: "TopicWithoutIdentity", topicId: topic?.id }]);
  });

  it("skips a row that is not a system topic rather than guessing", () => {
    expect(eventTopicOfRow({ id: 5 })).toBeUndefined();
    expect(eventTopicOfRow({ id: "/x", subscriptionId: "not-a-guid" })).toBeUndefined();
  });
});
