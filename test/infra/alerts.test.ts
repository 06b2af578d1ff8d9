import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeKql, findingsKustoTables, validateKql } from "../support/kusto.js";
import { INFRA_DIR, allowedSweepIntervals } from "./bicepSource.js";
import { alertQuery, alertQueryFiles, alertRules, infraKustoTables, isoDurationMinutes } from "./infraKql.js";

const rules = alertRules();
const alertsBicep = readFileSync(join(INFRA_DIR, "app/alerts.bicep"), "utf8");
/** Log search alert rules look back at most two days. */
const MAX_WINDOW_MINUTES = 2 * 24 * 60;
const DEFAULT_SWEEP_LINE = "let sweepInterval = 6h;";

describe("alert queries", () => {
  it.each(alertQueryFiles().map((path) => [basename(path)]))("%s is valid KQL over the findings table", (file) => {
    expect(validateKql(alertQuery(file), infraKustoTables())).toEqual([]);
  });

  it("a query naming a column the findings table lacks fails validation", () => {
    const broken = alertQuery("new-high-failure.kql").replace("ChangeCallerName", "ChangeCallerUpn");
    expect(validateKql(broken, infraKustoTables()).join("\n")).toContain("ChangeCallerUpn");
  });

  it("only the delivery alert reads beyond the findings table, and it tolerates the Application Insights table not existing yet", () => {
    for (const rule of rules) {
      const errors = validateKql(alertQuery(rule.query), findingsKustoTables());
      if (rule.name === "delivery-backlog") {
        expect(alertQuery(rule.query)).toContain("union isfuzzy=true");
        expect(rule.skipQueryValidation).toBe(true);
      } else {
        expect(errors, rule.name).toEqual([]);
      }
    }
  });

  it.each(rules.map((rule) => [rule.name, rule] as const))("%s returns every column it splits alerts by", (_name, rule) => {
    const { resultColumns } = analyzeKql(alertQuery(rule.query), infraKustoTables());
    const names = resultColumns.map((column) => column.name);
    expect(rule.dimensions.filter((dimension) => !names.includes(dimension))).toEqual([]);
  });

  it("alerts on findings from the latest state per resource and control, never from raw rows", () => {
    const findingRules = rules.filter((rule) => ["new-high-failure", "exposure-widened", "estate-regression"].includes(rule.name));
    expect(findingRules).toHaveLength(3);
    for (const rule of findingRules) {
      expect(alertQuery(rule.query), rule.name).toMatch(/summarize arg_max\(TimeGenerated, [^)]*\) by AzureResourceId/);
      // Deleted resources end on Removed rows: the latest state must drop them (a Fail filter does too).
      expect(alertQuery(rule.query), rule.name).toMatch(/Status (!= "Removed"|== "Fail")/);
    }
    expect(alertQuery("new-high-failure.kql")).toContain("summarize arg_max(TimeGenerated, *) by AzureResourceId, ControlId");
  });

  it("the new High failure alert keys on the New transition and names the change that caused it", () => {
    const query = alertQuery("new-high-failure.kql");
    expect(query).toContain('Transition == "New" and Severity == "High"');
    const names = analyzeKql(query, infraKustoTables()).resultColumns.map((column) => column.name);
    expect(names).toEqual(expect.arrayContaining(["ChangeCallerName", "ChangeCallerObjectId", "ChangeOperation", "ChangeCorrelationId", "Remediation"]));
  });

  it("the exposure alert ranks exposure classes from widest to narrowest as the code does", async () => {
    const { EXPOSURE_CLASSES } = await import("../../shared/model/exposure.js");
    const query = alertQuery("exposure-widened.kql");
    const ranked = [...query.matchAll(/exposure == "([A-Za-z]+)", (\d+)/g)].map((match) => [match[1], Number(match[2])]);
    expect(ranked).toEqual(EXPOSURE_CLASSES.map((exposure, rank) => [exposure, rank]));
  });
});

describe("the delivery alert and the traces vaultwatch writes", () => {
  const query = alertQuery("delivery-backlog.kql");

  it("looks for both poison queues under the names the code gives them", async () => {
    const { EVENT_QUEUE_NAME, SHARD_QUEUE_NAME, poisonQueueName } = await import("../../shared/queues/queueNames.js");
    for (const queue of [EVENT_QUEUE_NAME, SHARD_QUEUE_NAME] as const) {
      expect(query).toContain(`Message contains "${poisonQueueName(queue)}"`);
    }
  });

  it("finds spooled and refused rows in the summary line a sweep shard logs", async () => {
    const { describeShardReport } = await import("../../shared/handlers/shardWorker.js");
    const line = `vaultwatch sweep: ${describeShardReport({
      runId: "run-1",
      shardIndex: 0,
      kind: "processed",
      resources: 2,
      applied: 2,
      replayed: 0,
      stale: 0,
      removed: 0,
      rows: 24,
      delivered: 11,
      spooled: 12,
      refused: 1,
      errors: [],
      completion: { kind: "pending", finishedShards: 0, shardCount: 2 },
    })}`;
    // The query's own filters and extract patterns, applied to that line.
    const prefix = /Message startswith "([^"]+)"/.exec(query)?.[1] ?? "";
    const marker = /Message contains "( spooled, )"/.exec(query)?.[1] ?? "";
    const [spooledPattern, refusedPattern] = [...query.matchAll(/extract\(@"([^"]+)", 1, Message\)/g)].map((match) => new RegExp(match[1] as string));
    expect(line.startsWith(prefix) && prefix !== "").toBe(true);
    expect(line.includes(marker) && marker !== "").toBe(true);
    expect(spooledPattern?.exec(line)?.[1]).toBe("12");
    expect(refusedPattern?.exec(line)?.[1]).toBe("1");
  });

  it("reads the error count the RunSummary row carries", async () => {
    const { buildRunSummaryRow, emptyTally } = await import("../../shared/sink/findingRows.js");
    const row = buildRunSummaryRow({
      run: { runId: "run-1", trigger: "sweep", toolVersion: "0.1.0" },
      startedAt: new Date("2026-01-01T00:00:00Z"),
      finishedAt: new Date("2026-01-01T00:05:00Z"),
      tally: emptyTally(),
      errors: ["subscription 1 unreadable", "shard 2 given up on"],
    });
    const summary = row.RunSummary as { errorCount: number; errors: string[] };
    expect(query).toContain("toint(RunSummary.errorCount)");
    expect(query).toContain("tostring(RunSummary.errors[0])");
    expect(summary.errorCount).toBe(2);
    expect(summary.errors[0]).toBe("subscription 1 unreadable");
  });
});

describe("alert rules (alerts/alert-rules.json)", () => {
  it("each rule has its own query file and each query file belongs to a rule", () => {
    const files = alertQueryFiles().map((path) => basename(path)).sort();
    expect(rules.map((rule) => rule.query).sort()).toEqual(files);
    expect(new Set(rules.map((rule) => rule.name)).size).toBe(rules.length);
  });

  it("alerts.bicep loads every query file under the name the rules use", () => {
    for (const rule of rules) {
      expect(alertsBicep).toContain(`'${rule.query}': loadTextContent('../alerts/${rule.query}')`);
    }
  });

  it("covers new High failures, estate regression, silence, undelivered work, widened exposure, uncovered subscriptions and the baseline", () => {
    expect(rules.map((rule) => rule.name).sort()).toEqual([
      "baseline-recorded",
      "delivery-backlog",
      "estate-regression",
      "exposure-widened",
      "new-high-failure",
      "uncovered-subscription",
      "vaultwatch-silent",
    ]);
  });

  it("the uncovered-subscription alert fires per subscription whose latest coverage row says NotWired, and not for Unknown", () => {
    const query = alertQuery("uncovered-subscription.kql");
    expect(query).toContain('RecordType == "Coverage"');
    expect(query).toContain("summarize arg_max(TimeGenerated, EventWiring, EventTopicId, LastEventTime, RunId) by AzureSubscriptionId");
    expect(query).toContain('where EventWiring == "NotWired"');
    expect(rules.find((rule) => rule.name === "uncovered-subscription")?.dimensions).toEqual(["AzureSubscriptionId"]);
  });

  it("the baseline alert is informational and reads the failure count the baseline run's summary carries", async () => {
    const { buildRunSummaryRow, emptyTally } = await import("../../shared/sink/findingRows.js");
    const row = buildRunSummaryRow({
      run: { runId: "sweep-1", trigger: "sweep", toolVersion: "0.1.0" },
      startedAt: new Date("2026-01-01T00:00:00Z"),
      finishedAt: new Date("2026-01-01T00:05:00Z"),
      tally: { ...emptyTally(), baselineFailuresBySeverity: { High: 451, Medium: 20, Low: 3 } },
      errors: [],
      baseline: true,
    });
    expect(row.RunSummary).toMatchObject({ baseline: { failures: 474, failuresBySeverity: { High: 451, Medium: 20, Low: 3 } } });
    const query = alertQuery("baseline-recorded.kql");
    expect(query).toContain("toint(RunSummary.baseline.failures)");
    expect(query).toContain("toint(RunSummary.baseline.failuresBySeverity.High)");
    expect(rules.find((rule) => rule.name === "baseline-recorded")?.severity).toBe(3);
  });

  it("the rules that carry a change to a person evaluate every minute, the fastest log search alerts allow", () => {
    for (const name of ["new-high-failure", "exposure-widened"]) expect(rules.find((rule) => rule.name === name)?.evaluationFrequency, name).toBe("PT1M");
  });

  it.each(rules.map((rule) => [rule.name, rule] as const))(
    "%s looks back further than it evaluates, and no further than two days, at every allowed sweep interval",
    (_name, rule) => {
      const frequency = isoDurationMinutes(rule.evaluationFrequency);
      for (const hours of allowedSweepIntervals()) {
        const window = rule.windowInSweepIntervals * hours * 60;
        expect(window, `${hours}h sweeps`).toBeGreaterThan(frequency);
        expect(window, `${hours}h sweeps`).toBeLessThanOrEqual(MAX_WINDOW_MINUTES);
      }
    },
  );

  it("every window covers at least two sweeps, so one late or failed sweep cannot hide state", () => {
    expect(rules.filter((rule) => rule.windowInSweepIntervals < 2)).toEqual([]);
  });

  it("the silence alert fires when no RunSummary row arrived in its window", () => {
    const silent = rules.find((rule) => rule.name === "vaultwatch-silent");
    expect(silent).toMatchObject({ operator: "LessThan", threshold: 1, windowInSweepIntervals: 2, dimensions: [] });
    expect(alertQuery("vaultwatch-silent.kql")).toContain('RecordType == "RunSummary"');
  });

  it("severities are Azure Monitor's 0-4, with vaultwatch's own blindness as severe as a new High failure", () => {
    expect(rules.filter((rule) => !Number.isInteger(rule.severity) || rule.severity < 0 || rule.severity > 4)).toEqual([]);
    const severityOf = (name: string) => rules.find((rule) => rule.name === name)?.severity;
    expect(severityOf("vaultwatch-silent")).toBe(severityOf("new-high-failure"));
  });

  it("queries that depend on the sweep interval declare it on the one line Bicep rewrites", () => {
    expect(alertsBicep).toContain(`var defaultSweepIntervalLine = '${DEFAULT_SWEEP_LINE}'`);
    for (const file of alertQueryFiles()) {
      const query = readFileSync(file, "utf8");
      if (!query.includes("sweepInterval")) continue;
      expect(query.split(DEFAULT_SWEEP_LINE), basename(file)).toHaveLength(2);
      const rewritten = query.replace(DEFAULT_SWEEP_LINE, "let sweepInterval = 3h;");
      expect(validateKql(rewritten, infraKustoTables())).toEqual([]);
    }
  });

  it("the ISO 8601 reader understands the rules' durations and refuses others", () => {
    expect(isoDurationMinutes("PT15M")).toBe(15);
    expect(isoDurationMinutes("PT1H")).toBe(60);
    expect(isoDurationMinutes("P2D")).toBe(2880);
    expect(() => isoDurationMinutes("15m")).toThrow(RangeError);
  });
});
