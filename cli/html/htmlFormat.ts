import type { ReportFormat } from "../output/reportFormat.js";
import { HtmlReport, type HtmlReportMeta } from "./htmlReport.js";
import { type SubscriptionNames, resourceFromEvaluation } from "./reportModel.js";

/** `--format html` for `evaluate` and `scan`: the demo's renderer, fed one evaluation at a time. */
export function htmlFormat(meta: HtmlReportMeta, subscriptionNameOf?: SubscriptionNames): ReportFormat {
  const report = new HtmlReport(meta);
  return {
    begin: () => {},
    resource: (evaluation, out) => report.add(resourceFromEvaluation(evaluation, subscriptionNameOf), out),
    end: (_summary, out) => report.end(out),
  };
}
