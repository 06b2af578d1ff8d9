import type { ReportFormat } from "../output/reportFormat.js";
import { HtmlReport, type HtmlReportMeta } from "./htmlReport.js";
import { resourceFromEvaluation } from "./reportModel.js";

/** `--format html` for `evaluate` and `scan`: the demo's renderer, fed one evaluation at a time. */
export function htmlFormat(meta: HtmlReportMeta): ReportFormat {
  const report = new HtmlReport(meta);
  return {
    begin: () => {},
    resource: (evaluation, out) => report.add(resourceFromEvaluation(evaluation), out),
    end: (_summary, out) => report.end(out),
  };
}
