import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseGovernanceConfig } from "../../shared/governance/governanceConfig.js";
import type { HandlerDependencies } from "../../shared/handlers/dependencies.js";
import { handleShardMessage } from "../../shared/handlers/shardHandler.js";
import { handleSweepTimer } from "../../shared/handlers/sweepTimerHandler.js";
import { SHARD_QUEUE_NAME } from "../../shared/queues/queueNames.js";
import { type FunctionsHarness, drainQueue, invocationContext, startFunctionsHarness } from "./support/harness.js";

const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

describe("a sweep under a configuration file", () => {
  let harness: FunctionsHarness;
  beforeAll(async () => {
    harness = await startFunctionsHarness({ emulator: { estate: { resources: 60, subscriptions: 1, seed: 21 } } });
  });
  afterAll(async () => harness?.stop());

  async function sweep(deps: HandlerDependencies, at: Date): Promise<string> {
    const { context } = invocationContext({ functionName: "sweepTimer" });
    const plan = await handleSweepTimer({ ...timer }, context, { ...deps, clock: () => at });
    const drained = await drainQueue(harness.queues.getQueueClient(SHARD_QUEUE_NAME), (message, ctx) => handleShardMessage(message, ctx, deps), { queues: harness.queues });
    expect(drained).toMatchObject({ failed: 0 });
    return plan.runId;
  }

  it("ends the rows of excluded resources and disabled controls with the reason, and writes nothing more for them", { timeout: 300_000 }, async () => {
    const ids = [...harness.emulator.estate.exportBodies()].map((body) => String(body.id));
    const sandbox = ids[0]!.split("/").slice(0, 5).join("/");
    const inSandbox = ids.filter((id) => id.toLowerCase().startsWith(`${sandbox.toLowerCase()}/`));
    expect(inSandbox.length).toBeGreaterThan(0);

    await sweep(harness.deps, new Date(Date.now() - 60 * 60_000));
    const governance = parseGovernanceConfig(
      { controls: { "VW-NET-006": { enabled: false } }, exclude: [{ scope: sandbox, reason: "sandbox resource group" }] },
      "vaultwatch.config.json",
    );
    const runId = await sweep({ ...harness.deps, governance }, new Date());

    const second = harness.ledgerRows().filter((row) => row.RunId === runId && row.RecordType === "Finding");
    const excludedRows = second.filter((row) => inSandbox.some((id) => id.toLowerCase() === String(row.AzureResourceId).toLowerCase()));
    expect(excludedRows.length).toBeGreaterThan(0);
    expect(excludedRows.every((row) => row.Status === "Removed" && row.Reason === "Excluded by the configuration: sandbox resource group")).toBe(true);
    const others = second.filter((row) => !excludedRows.includes(row));
    const net006 = others.filter((row) => row.ControlId === "VW-NET-006");
    expect(net006.length).toBe(ids.length - inSandbox.length);
    expect(net006.every((row) => row.Status === "Removed" && String(row.Reason).includes("no longer evaluated"))).toBe(true);
    expect(others.filter((row) => row.ControlId !== "VW-NET-006").every((row) => row.Status !== "Removed")).toBe(true);
    const summary = harness.ledgerRows().find((row) => row.RunId === runId && row.RecordType === "RunSummary");
    expect(summary?.RunSummary).toMatchObject({ resourcesEvaluated: ids.length - inSandbox.length, resourcesExcluded: inSandbox.length });
  });
});
