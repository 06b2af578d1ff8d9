import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findingRowsBuilder } from "../../shared/sink/findingRows.js";
import type { FindingRow } from "../../shared/sink/findingsSchema.js";
import type { RunContext } from "../../shared/sink/runContext.js";
import { tableClientFor } from "../../shared/state/storageClients.js";
import { resourceKeys } from "../../shared/state/resourceKeys.js";
import { TableStateStore, type StateChange } from "../../shared/state/tableStateStore.js";
import { startAzurite, type LocalAzurite } from "../support/azurite.js";
import { evaluationOf, vaultId } from "./evaluations.js";

let azurite: LocalAzurite;
let table: TableClient;
let store: TableStateStore;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
beforeEach(async () => {
  // A fresh table per test: tests stay independent without restarting Azurite.
  table = tableClientFor({ kind: "connectionString", connectionString: azurite.connectionString }, `state${randomUUID().replace(/-/g, "").slice(0, 20)}`);
  store = await TableStateStore.open(table, findingRowsBuilder);
});

const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 6, minute));
const run = (runId: string, trigger: RunContext["trigger"] = "sweep"): RunContext => ({ runId, trigger });

function rowsOf(change: StateChange): readonly FindingRow[] {
  return change.rows;
}
function byControl(change: StateChange, controlId: string): FindingRow | undefined {
  return rowsOf(change).find((row) => row.ControlId === controlId);
}

describe("the state store", () => {
  const id = vaultId("kv-state");

  it("gives each row its transition across a sequence of evaluations", async () => {
    const first = await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(0), run("sweep-1"));
    const second = await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail", "VW-DP-001": "Fail" } }), at(10), run("sweep-2"));
    const third = await store.apply(evaluationOf({ id, statuses: { "VW-DP-001": "Fail" } }), at(20), run("sweep-3"));

    expect(first.outcome).toBe("applied");
    expect(rowsOf(first)).toHaveLength(12);
    expect(byControl(first, "VW-NET-001")).toMatchObject({ Status: "Fail", Transition: "New" });
    expect(byControl(first, "VW-NET-001")).not.toHaveProperty("PreviousStatus");
    expect(byControl(second, "VW-NET-001")).toMatchObject({ Status: "Fail", PreviousStatus: "Fail", Transition: "Unchanged" });
    expect(byControl(second, "VW-DP-001")).toMatchObject({ Status: "Fail", PreviousStatus: "Pass", Transition: "New" });
    expect(byControl(third, "VW-NET-001")).toMatchObject({ Status: "Pass", PreviousStatus: "Fail", Transition: "Resolved" });
    expect(rowsOf(third).every((row) => row.RunId === "sweep-3")).toBe(true);
  });

  it("carries the previous exposure class on the exposure row", async () => {
    await store.apply(evaluationOf({ id, exposure: "PrivateOnly" }), at(0), run("sweep-1"));
    const widened = await store.apply(evaluationOf({ id, exposure: "Internet" }), at(10), run("event-1", "event"));
    expect(byControl(widened, "VW-NET-001")).toMatchObject({ Exposure: "Internet", PreviousExposure: "PrivateOnly" });
  });

  it("ignores an observation older than the last applied one, yields no rows and says why", async () => {
    await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(10), run("event-new", "event"));
    const late = await store.apply(evaluationOf({ id }), at(5), run("event-old", "event"));
    expect(late).toMatchObject({ outcome: "stale", rows: [], lastObservedAt: at(10) });
    if (late.outcome === "stale") expect(late.reason).toMatch(/older than the one already applied \(2026-11-24T06:10:00.000Z, run event-new\)/);
    const state = await store.read(id);
    expect(state?.controls["VW-NET-001"]?.status).toBe("Fail");
  });

  it("gives a retried observation of the same run the same rows, transitions included, without applying it twice", async () => {
    await store.apply(evaluationOf({ id }), at(0), run("sweep-1"));
    const evaluation = evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } });
    const original = await store.apply(evaluation, at(10), run("sweep-2"));
    const retried = await store.apply(evaluation, at(10), run("sweep-2"));
    expect(retried.outcome).toBe("replayed");
    expect(retried.rows).toEqual(original.rows);
    expect(byControl(retried, "VW-NET-001")).toMatchObject({ Transition: "New", PreviousStatus: "Pass" });
    const next = await store.apply(evaluation, at(20), run("sweep-3"));
    expect(byControl(next, "VW-NET-001")).toMatchObject({ Transition: "Unchanged", PreviousStatus: "Fail" });
  });

  it("lets a retry of the same observation that read something different replace what the first attempt stored", async () => {
    await store.apply(evaluationOf({ id }), at(0), run("sweep-1"));
    await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(10), run("sweep-2"));
    const retried = await store.apply(evaluationOf({ id, statuses: { "VW-DP-001": "Fail" } }), at(10), run("sweep-2"));
    expect(retried.outcome).toBe("replayed");
    expect(byControl(retried, "VW-NET-001")).toMatchObject({ Status: "Pass", PreviousStatus: "Pass", Transition: "Unchanged" });
    expect(byControl(retried, "VW-DP-001")).toMatchObject({ Status: "Fail", PreviousStatus: "Pass", Transition: "New" });
    const next = await store.apply(evaluationOf({ id, statuses: { "VW-DP-001": "Fail" } }), at(20), run("sweep-3"));
    expect(byControl(next, "VW-DP-001")).toMatchObject({ Transition: "Unchanged" });
    expect(byControl(next, "VW-NET-001")).toMatchObject({ Transition: "Unchanged", PreviousStatus: "Pass" });
  });

  it("treats ids that differ only in casing as one resource, and keeps the first-seen casing on its rows", async () => {
    await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(0), run("sweep-1"));
    const upper = id.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/");
    const change = await store.apply(evaluationOf({ id: upper, statuses: { "VW-NET-001": "Fail" } }), at(10), run("event-1", "event"));
    expect(byControl(change, "VW-NET-001")).toMatchObject({ Transition: "Unchanged", AzureResourceId: id });
  });

  it("on deletion writes a Removed row for each control that had state and clears the resource's state", async () => {
    await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" }, exposure: "Internet" }), at(0), run("sweep-1"));
    const removal = await store.remove(id, at(10), run("event-delete", "event"));
    expect(removal.outcome).toBe("applied");
    expect(rowsOf(removal)).toHaveLength(12);
    expect(rowsOf(removal).every((row) => row.Status === "Removed" && row.Transition === "Removed" && row.RunId === "event-delete")).toBe(true);
    expect(byControl(removal, "VW-NET-001")).toMatchObject({ PreviousStatus: "Fail", PreviousExposure: "Internet", AzureResourceName: "kv-state" });
    expect(await store.read(id)).toMatchObject({ deleted: true, controls: {} });
  });

  it("does not let a stale create older than the deletion bring the resource back, but a newer one starts it afresh", async () => {
    await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(0), run("sweep-1"));
    await store.remove(id, at(10), run("event-delete", "event"));
    const stale = await store.apply(evaluationOf({ id }), at(5), run("event-late-write", "event"));
    expect(stale.outcome).toBe("stale");
    expect(rowsOf(stale)).toEqual([]);
    const recreated = await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(20), run("sweep-2"));
    expect(byControl(recreated, "VW-NET-001")).toMatchObject({ Transition: "New" });
    expect(byControl(recreated, "VW-NET-001")).not.toHaveProperty("PreviousStatus");
  });

  it("repeats the Removed rows for a retried deletion and writes none for a second, later deletion", async () => {
    await store.apply(evaluationOf({ id }), at(0), run("sweep-1"));
    const removal = await store.remove(id, at(10), run("event-delete", "event"));
    const retried = await store.remove(id, at(10), run("event-delete", "event"));
    expect(retried).toEqual({ outcome: "replayed", rows: removal.rows, pending: removal.pending });
    const again = await store.remove(id, at(15), run("event-delete-2", "event"));
    // No rows of its own; the first deletion's Removed rows are still in the outbox (never acknowledged).
    expect(again).toEqual({ outcome: "applied", rows: [], pending: removal.pending });
  });

  it("ignores a deletion older than the last observation (the resource was recreated since)", async () => {
    await store.apply(evaluationOf({ id }), at(20), run("sweep-2"));
    const removal = await store.remove(id, at(10), run("event-delete", "event"));
    expect(removal.outcome).toBe("stale");
    expect((await store.read(id))?.deleted).toBe(false);
  });

  it("keeps a tombstone for a deletion of a resource it never saw, so an older create stays dead", async () => {
    const removal = await store.remove(id, at(10), run("event-delete", "event"));
    expect(removal).toEqual({ outcome: "applied", rows: [], pending: [] });
    expect((await store.apply(evaluationOf({ id }), at(9), run("event-create", "event"))).outcome).toBe("stale");
  });

  it("applies concurrent observations of one resource one after the other, so every transition is reported once", async () => {
    await store.apply(evaluationOf({ id }), at(0), run("sweep-1"));
    const failing = evaluationOf({ id, statuses: { "VW-DP-001": "Fail" } });
    const changes = await Promise.all([1, 2, 3, 4, 5, 6].map((minute) => store.apply(failing, at(minute), run(`event-${minute}`, "event"))));
    const newRows = changes.flatMap((change) => change.rows).filter((row) => row.ControlId === "VW-DP-001" && row.Transition === "New");
    expect(newRows).toHaveLength(1);
    expect((await store.read(id))?.observedAt).toEqual(at(6));
  });

  it("refuses an invalid observation time and a hostile resource id with a clear error", async () => {
    await expect(store.apply(evaluationOf({ id }), new Date("not a date"), run("x"))).rejects.toThrow(/observedAt must be a valid Date/);
    await expect(store.remove("/subscriptions/x/../../tables", at(0), run("x"))).rejects.toThrow(/Cannot keep state for/);
  });

  it("reports a corrupted state record instead of treating it as no state", async () => {
    const keys = resourceKeys(id);
    await table.createEntity({ ...keys, Version: 1, ResourceId: id, ObservedAt: at(0).toISOString(), RunId: "r", Deleted: false, Controls: "{not json" });
    await expect(store.apply(evaluationOf({ id }), at(5), run("sweep-2"))).rejects.toThrow(/controls of .* is not JSON/);
  });
});

describe("the state store's outbox", () => {
  const id = vaultId("kv-outbox");

  it("keeps the rows that move a chain with the state until they are acknowledged, and hands them to any later worker, even one whose observation is stale", async () => {
    await store.apply(evaluationOf({ id }), at(0), run("sweep-1"));
    const first = await store.read(id);
    await store.acknowledge(id, first?.outbox ?? []);
    const failing = await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(10), run("sweep-2"));

    // Only the chain row (Pass to Fail) is kept; the eleven unchanged rows are heartbeats.
    expect(failing.pending.map((row) => [row.ControlId, row.PreviousStatus, row.Status, row.Transition])).toEqual([["VW-NET-001", "Pass", "Fail", "New"]]);
    const late = await store.apply(evaluationOf({ id }), at(5), run("event-late", "event"));
    expect(late).toMatchObject({ outcome: "stale", rows: [] });
    expect(late.pending).toEqual(failing.pending);
    const next = await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(20), run("event-1", "event"));
    expect(next.pending).toEqual(failing.pending);

    await store.acknowledge(id, next.pending);
    expect((await store.read(id))?.outbox).toEqual([]);
  });

  it("leaves rows a racing worker added when it acknowledges its own", async () => {
    await store.apply(evaluationOf({ id }), at(0), run("sweep-1"));
    const seen = (await store.read(id))?.outbox ?? [];
    const racing = await store.apply(evaluationOf({ id, statuses: { "VW-DP-001": "Fail" } }), at(10), run("event-1", "event"));
    await store.acknowledge(id, seen);

    const left = (await store.read(id))?.outbox ?? [];
    expect(left.map((row) => [row.ControlId, row.Transition])).toEqual([["VW-DP-001", "New"]]);
    expect(racing.pending).toHaveLength(seen.length + 1);
  });

  it("carries a deletion's Removed rows in the outbox, so a crash before their upload cannot lose them", async () => {
    await store.apply(evaluationOf({ id, statuses: { "VW-NET-001": "Fail" } }), at(0), run("sweep-1"));
    await store.acknowledge(id, (await store.read(id))?.outbox ?? []);
    const removal = await store.remove(id, at(10), run("event-delete", "event"));
    const again = await store.remove(id, at(20), run("sweep-2"));
    expect(removal.pending.every((row) => row.Transition === "Removed")).toBe(true);
    expect(again.pending).toEqual(removal.pending);
  });
});

