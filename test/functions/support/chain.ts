type Row = Readonly<Record<string, unknown>>;

/** What identifies one row across redeliveries (duplicates share it): run, resource, control and observation time. */
export function rowIdentityOf(row: Row): string {
  return `${String(row["RunId"])}|${String(row["AzureResourceId"]).toLowerCase()}|${String(row["ControlId"])}|${String(row["TimeGenerated"])}`;
}

/**
 * The chain of finding rows of each control of one resource, as Log Analytics holds it: duplicates collapsed on
 * their identity, ordered by observation time (arrival order among equal times).
 */
export function chainsOf(rows: readonly Row[], resourceId: string): Map<string, Row[]> {
  const seen = new Set<string>();
  const chains = new Map<string, Row[]>();
  for (const row of rows) {
    if (row["RecordType"] !== "Finding" || String(row["AzureResourceId"]).toLowerCase() !== resourceId.toLowerCase()) continue;
    const identity = rowIdentityOf(row);
    if (seen.has(identity)) continue;
    seen.add(identity);
    const control = String(row["ControlId"]);
    chains.set(control, [...(chains.get(control) ?? []), row]);
  }
  for (const chain of chains.values()) chain.sort((a, b) => String(a["TimeGenerated"]).localeCompare(String(b["TimeGenerated"])));
  return chains;
}

/**
 * Every way the ledger's chains of one resource break the contract, as readable lines (empty when none does):
 * each row's `PreviousStatus` is the `Status` of the row before it (absent on a first row, and after `Removed`),
 * and each change into or out of `Fail` is marked `New` or `Resolved` (or `Removed`).
 */
export function chainProblems(rows: readonly Row[], resourceId: string): string[] {
  const problems: string[] = [];
  for (const [control, chain] of chainsOf(rows, resourceId)) {
    let before: Row | undefined;
    for (const row of chain) {
      const status = String(row["Status"]);
      const previous = row["PreviousStatus"] === undefined ? undefined : String(row["PreviousStatus"]);
      const expectedPrevious = before === undefined || before["Status"] === "Removed" ? undefined : String(before["Status"]);
      const where = `${control} at ${String(row["TimeGenerated"])} (run ${String(row["RunId"])})`;
      if (previous !== expectedPrevious) {
        problems.push(`${where}: PreviousStatus ${previous ?? "(none)"} but the row before it in the ledger says ${expectedPrevious ?? "(none)"}`);
      }
      const wasFailing = expectedPrevious === "Fail";
      if (status === "Fail" && !wasFailing && expectedPrevious !== "Unknown" && row["Transition"] !== "New") {
        problems.push(`${where}: a change into Fail marked ${String(row["Transition"])}, not New`);
      }
      if (wasFailing && status !== "Fail" && status !== "Unknown" && row["Transition"] !== "Resolved" && row["Transition"] !== "Removed") {
        problems.push(`${where}: a change out of Fail marked ${String(row["Transition"])}, not Resolved`);
      }
      before = row;
    }
  }
  return problems;
}
