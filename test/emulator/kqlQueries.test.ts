import { describe, expect, it } from "vitest";
import { EVENT_TOPICS_QUERY as EMULATOR_EVENT_TOPICS_QUERY, POSTURE_QUERY as EMULATOR_POSTURE_QUERY } from "../../emulator/index.js";
import { EVENT_TOPICS_QUERY } from "../../shared/eventCoverage/eventWiring.js";
import { normaliseQueryText } from "../../emulator/resourceGraph.js";
import { POSTURE_QUERY } from "../../shared/readers/resourceGraphReader.js";
import { validateKql } from "../support/kusto.js";

/** The columns of Resource Graph's `resources` table (explore-resources.md), as Kusto types. */
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
// Resource Graph table names are case-insensitive; queries conventionally write `Resources`.
const TABLES = { Resources: RESOURCES_COLUMNS, resources: RESOURCES_COLUMNS };

/** Every query vaultwatch sends to Resource Graph. */
const QUERIES_SENT = { posture: POSTURE_QUERY, "event topic": EVENT_TOPICS_QUERY };

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
  });

  it("the event topic query can be paged the same way", () => {
    expect(EVENT_TOPICS_QUERY).toMatch(/\|\s*order by id asc\s*$/);
    expect(EVENT_TOPICS_QUERY).not.toMatch(/\b(take|limit|sample)\b/);
  });
});
