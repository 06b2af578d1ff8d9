/** One figure of the benchmark, with the floor it is judged against (or the ceiling it must stay under). */
export interface Measurement {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The least the figure can be: the ratio value/floor says how close the run came. */
  readonly floor?: number;
  /** A limit the figure must not pass; passing it fails the benchmark run. */
  readonly ceiling?: number;
  readonly note?: string;
}

export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(options: BenchmarkOptions): Promise<Measurement[]>;
}

export interface BenchmarkOptions {
  readonly resources: number;
  readonly subscriptions: number;
  readonly log: (line: string) => void;
}

export function ratio(measurement: Measurement): number | undefined {
  return measurement.floor === undefined || measurement.floor === 0 ? undefined : measurement.value / measurement.floor;
}

export function exceedsCeiling(measurement: Measurement): boolean {
  return measurement.ceiling !== undefined && measurement.value > measurement.ceiling;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

/** A plain-text table: name, value, floor or ceiling, ratio to the floor, note. */
export function formatTable(measurements: readonly Measurement[]): string {
  const rows = [
    ["measurement", "value", "floor / ceiling", "ratio", "note"],
    ...measurements.map((measurement) => {
      const bound =
        measurement.floor !== undefined
          ? `floor ${formatNumber(measurement.floor)} ${measurement.unit}`
          : measurement.ceiling !== undefined
            ? `ceiling ${formatNumber(measurement.ceiling)} ${measurement.unit}`
            : "";
      const r = ratio(measurement);
      return [
        measurement.name,
        `${formatNumber(measurement.value)} ${measurement.unit}`,
        bound,
        r === undefined ? "" : `${r.toFixed(2)}×`,
        `${exceedsCeiling(measurement) ? "OVER CEILING " : ""}${measurement.note ?? ""}`,
      ];
    }),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd()).join("\n");
}
