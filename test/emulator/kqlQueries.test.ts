import { describe, expect, it } from "vitest";
import {
  EVENT_TOPICS_QUERY as EMULATOR_EVENT_TOPICS_QUERY,
  POSTURE_QUERY as EMULATOR_POSTURE_QUERY,
  SUBSCRIPTION_NAMES_QUERY as EMULATOR_SUBSCRIPTION_NAMES_QUERY,
} from "../../emulator/index.js";
import { EVENT_TOPICS_QUERY } from "../../shared/eventCoverage/eventWiring.js";
import {
  POLICY_ASSIGNMENTS_QUERY,
  POLICY_EXEMPTIONS_QUERY,
  POLICY_SET_DEFINITIONS_QUERY,
  SUBSCRIPTION_ANCESTORS_QUERY as EMULATOR_ANCESTORS_QUERY,
  normaliseQueryText,
} from "../../emulator/resourceGraph.js";
import { ASSIGNMENTS_QUERY, EXEMPTIONS_QUERY, SET_DEFINITIONS_QUERY, SUBSCRIPTION_ANCESTORS_QUERY } from "../../shared/readers/policyExemptionReader.js";
import { POSTURE_QUERY, SUBSCRIPTION_NAMES_QUERY } from "../../shared/readers/resourceGraphReader.js";
import { validateKql } from "../support/kusto.js";

/** The columns of Resource Graph's `resources` table (as Microsoft's Resource Graph documentation lists them), as Kusto types. */
const RESOURCES_COLUMNS = {
  id: "string",
  name: "string",
  type: "string",
  tenantId: "string",
  kind: "string",
  location: "string",
  resourceGroup: "string",
  subscriptionId: "string",
  managedBy: "string",
  sku: "dynamic",
  plan: "dynamic",
  properties: "dynamic",
  tags: "dynamic",
  identity: "dynamic",
  zones: "dynamic",
  extendedLocation: "dynamic",
};
/** `policyresources` has the same columns as `resources` (policy exemptions, assignments and definitions live there). */
const POLICY_RESOURCES_COLUMNS = RESOURCES_COLUMNS;
// Resource Graph table names are case-insensitive; queries conventionally write `Resources`.
const TABLES = { Resources: RESOURCES_COLUMNS, resources: RESOURCES_COLUMNS, policyresources: POLICY_RESOURCES_COLUMNS, resourcecontainers: RESOURCES_COLUMNS, ResourceContainers: RESOURCES_COLUMNS };

/** Every query vaultwatch sends to Resource Graph. */
const QUERIES_SENT = {
  posture: POSTURE_QUERY,
  "subscription names": SUBSCRIPTION_NAMES_QUERY,
  "event topic": EVENT_TOPICS_QUERY,
  exemptions: EXEMPTIONS_QUERY,
  assignments: ASSIGNMENTS_QUERY,
  setDefinitions: SET_DEFINITIONS_QUERY,
  subscriptionAncestors: SUBSCRIPTION_ANCESTORS_QUERY,
};

describe("the Resource Graph queries vaultwatch sends", () => {
  it.each(Object.entries(QUERIES_SENT))("the %s query parses and names only real columns, by Microsoft's Kusto parser", (_, query) => {
    expect(validateKql(query, TABLES)).toEqual([]);
  });

  it("the validation is not vacuous: a misspelt column or a broken pipe is reported", () => {
    expect(validateKql(POSTURE_QUERY.replace("properties.networkAcls", "propertys.networkAcls"), TABLES)).not.toEqual([]);
    expect(validateKql(POSTURE_QUERY.replace("| order by", "| order bye"), TABLES)).not.toEqual([]);
  });

  it("the posture query can be paged: it keeps id, orders by it and uses no take, limit or sample", () => {
    expect(POSTURE_QUERY).toMatch(/\|\s*order by id asc\s*$/);
    expect(POSTURE_QUERY).toMatch(/\|\s*project id,/);
    expect(POSTURE_QUERY).not.toMatch(/\b(take|limit|sample)\b/);
  });

  it("the emulator recognises exactly the query the reader sends", () => {
    expect(normaliseQueryText(EMULATOR_POSTURE_QUERY)).toBe(normaliseQueryText(POSTURE_QUERY));
    expect(normaliseQueryText(EMULATOR_EVENT_TOPICS_QUERY)).toBe(normaliseQueryText(EVENT_TOPICS_QUERY));
    expect(normaliseQueryText(EMULATOR_SUBSCRIPTION_NAMES_QUERY)).toBe(normaliseQueryText(SUBSCRIPTION_NAMES_QUERY));
  });

  it("the subscription-names query can be paged: it orders by id and uses no take, limit or sample", () => {
    expect(SUBSCRIPTION_NAMES_QUERY).toMatch(/\|\s*order by id asc\s*$/);
    expect(SUBSCRIPTION_NAMES_QUERY).not.toMatch(/\b(take|limit|sample)\b/);
  });

  it("the event topic query can be paged the same way", () => {
    expect(EVENT_TOPICS_QUERY).toMatch(/\|\s*order by id asc\s*$/);
    expect(EVENT_TOPICS_QUERY).not.toMatch(/\b(take|limit|sample)\b/);
  });

  it("the emulator recognises exactly the Azure Policy queries the exemption reader sends", () => {
    expect(normaliseQueryText(POLICY_EXEMPTIONS_QUERY)).toBe(normaliseQueryText(EXEMPTIONS_QUERY));
    expect(normaliseQueryText(POLICY_ASSIGNMENTS_QUERY)).toBe(normaliseQueryText(ASSIGNMENTS_QUERY));
    expect(normaliseQueryText(POLICY_SET_DEFINITIONS_QUERY)).toBe(normaliseQueryText(SET_DEFINITIONS_QUERY));
    expect(normaliseQueryText(EMULATOR_ANCESTORS_QUERY)).toBe(normaliseQueryText(SUBSCRIPTION_ANCESTORS_QUERY));
  });

  it("the Azure Policy queries can be paged: each keeps id, orders by it and uses no take, limit or sample", () => {
    for (const query of [EXEMPTIONS_QUERY, ASSIGNMENTS_QUERY, SET_DEFINITIONS_QUERY, SUBSCRIPTION_ANCESTORS_QUERY]) {
      expect(query).toMatch(/\|\s*order by id asc\s*$/);
      expect(query).toMatch(/\|\s*project id,/);
      expect(query).not.toMatch(/\b(take|limit|sample)\b/);
    }
  });
});
