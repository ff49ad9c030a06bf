/**
 * The benchmark's report: pure functions from the measured rounds to the Markdown table, the
 * verdict on each target, and the per-run details. Rates are compared within a round (a run
 * and its ceiling or SDK reference measured minutes apart on a shared machine can see very
 * different CPU speed), and the median over rounds is reported.
 */
import type { ReceiverCount } from "./receiver.ts";
import { type BenchMode, round, type WorkerResult } from "./_measure.ts";

/** One measurement to run. */
export interface Measurement {
  /** Short id, e.g. "deno-replay-protobuf". */
  id: string;
  runtime: "deno" | "bun";
  mode: BenchMode;
  protocol: "http/json" | "http/protobuf";
  spans: number;
  /** Threads making spans: `load --workers N` for the load mode, 1 for every other mode. */
  workers: number;
}

/** One run of a measurement: what the worker reported and what the receiver counted. */
export interface Outcome {
  run: Measurement;
  result: WorkerResult;
  /** Spans that reached the receiver (HTTP runs) or were serialised (ceiling). */
  delivered: number;
  /** The receiver's counts for this run; absent for the ceiling. */
  receiver?: ReceiverCount;
  /** CPU seconds used meanwhile outside the worker, the receiver and the orchestrator (other
   * processes, the kernel's loopback work), when /proc tells. */
  otherCpu?: number;
}

/** Every round's outcome of each measurement, by id, rounds in order. */
export type Rounds = Map<string, Outcome[]>;

/** Delivered spans per second: what arrived, over the worker's wall time. */
export function rate(outcome: Outcome): number {
  return outcome.delivered / outcome.result.seconds;
}

/** Peak memory of a run: the larger of the sampled RSS and the kernel's high-water mark. */
export function peakMb(result: WorkerResult): number {
  return Math.max(result.peakRssMb, result.hwmMb ?? 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const isSdk = (mode: BenchMode) => mode === "sdk";

/** Whether a mode is session-replay itself (one thread, or the `load` command with its workers). */
export const isTool = (mode: BenchMode): boolean => mode === "replay" || mode === "load";

/** The worker's CPU time (user + system) per delivered span in µs, one decimal; undefined when nothing arrived. */
export function cpuPerSpan(outcome: Outcome): number | undefined {
  if (outcome.delivered === 0) return undefined;
  return round(outcome.result.cpuSeconds * 1e6 / outcome.delivered, 1);
}

/** Median over rounds of the CPU µs per delivered span. */
export function medianCpuPerSpan(outcomes: Outcome[]): number | undefined {
  const values = outcomes.flatMap((o) => {
    const cpu = cpuPerSpan(o);
    return cpu === undefined ? [] : [cpu];
  });
  return values.length > 0 ? round(median(values), 1) : undefined;
}

/** The CPU target of a span on Deno with the default protocol, in µs. */
export const CPU_TARGET_US = 15;

/** The outcome with the median rate (the lower middle one for an even count). */
export function medianOutcome(outcomes: Outcome[]): Outcome {
  const sorted = [...outcomes].sort((a, b) => rate(a) - rate(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The id of the ceiling that bounds a run. */
function ceilingId(run: Measurement): string {
  return `${run.runtime}-ceiling-${run.protocol.slice(5)}`;
}

/** Median over rounds of this run's rate ÷ its ceiling's rate in the same round. */
export function shareOfCeiling(rounds: Rounds, run: Measurement): number | undefined {
  const ceilings = rounds.get(ceilingId(run));
  if (!ceilings || run.mode === "ceiling") return undefined;
  const ratios = rounds.get(run.id)!.flatMap((outcome, r) =>
    ceilings[r] ? [rate(outcome) / rate(ceilings[r])] : []
  );
  return ratios.length > 0 ? median(ratios) : undefined;
}

/** Median over rounds of this run's rate ÷ the SDK's delivered rate on its runtime in the same round. */
export function timesSdk(rounds: Rounds, run: Measurement): number | undefined {
  if (!isTool(run.mode)) return undefined;
  const sdk = [...rounds.values()].filter(([first]) =>
    first && isSdk(first.run.mode) && first.run.runtime === run.runtime
  );
  if (sdk.length === 0) return undefined;
  const ratios = rounds.get(run.id)!.flatMap((outcome, r) => {
    const references = sdk.flatMap((outcomes) => outcomes[r] ? [rate(outcomes[r])] : []);
    return references.length > 0 ? [rate(outcome) / Math.max(...references)] : [];
  });
  return ratios.length > 0 ? median(ratios) : undefined;
}

/** A whole number with thousands separators. */
export const fmt = (value: number): string => Math.round(value).toLocaleString("en-US");

const MODE_LABEL: Record<BenchMode, string> = {
  replay: "session-replay",
  ceiling: "ceiling (no HTTP)",
  sdk: "Langfuse SDK",
  load: "session-replay load",
};

/** The Markdown table: one row per measurement, its median round (CPU: the median over rounds), peak RSS over all rounds. */
export function table(rounds: Rounds): string {
  const rows = [
    "| runtime | mode | workers | protocol | spans | delivered | lost | spans/s | CPU µs/span | % of ceiling | × SDK | peak RSS MB |",
    "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const outcomes of rounds.values()) {
    const outcome = medianOutcome(outcomes);
    const { run, result } = outcome;
    const share = shareOfCeiling(rounds, run);
    const times = timesSdk(rounds, run);
    const lost = Math.max(...outcomes.map((o) => o.result.generated - o.delivered));
    rows.push(
      `| ${run.runtime} | ${MODE_LABEL[run.mode]} | ${run.workers} | ${run.protocol.slice(5)} | ${
        fmt(result.generated)
      } | ${fmt(outcome.delivered)} | ${fmt(lost)} | ${fmt(rate(outcome))} | ${
        medianCpuPerSpan(outcomes) ?? ""
      } | ${share === undefined ? "" : `${round(share * 100)}%`} | ${
        times === undefined ? "" : `${round(times, 1)}×`
      } | ${Math.max(...outcomes.map((o) => peakMb(o.result)))} |`,
    );
  }
  return rows.join("\n");
}

/** Per run: every round's rate, and the median round's time, CPU, requests, payload, load. */
export function details(rounds: Rounds): string {
  const rows = [
    "| run | spans/s in each round | CPU µs/span in each round | seconds | worker CPU s | requests | bytes/span | receiver CPU | other CPU s |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const outcomes of rounds.values()) {
    const { run, result, receiver, otherCpu } = medianOutcome(outcomes);
    rows.push(
      `| ${run.id} | ${outcomes.map((o) => fmt(rate(o))).join(", ")} | ${
        outcomes.map((o) => cpuPerSpan(o) ?? "").join(", ")
      } | ${result.seconds} | ${result.cpuSeconds} | ${receiver ? fmt(receiver.requests) : ""} | ${
        receiver && receiver.spans > 0 ? fmt(receiver.bytes / receiver.spans) : ""
      } | ${receiver ? `${round(receiver.cpuMs / 10 / result.seconds)}%` : ""} | ${
        otherCpu ?? ""
      } |`,
    );
  }
  return rows.join("\n");
}

/** Whether each target of the issue is met, one line each. */
export function verdict(rounds: Rounds, millions: Outcome[] = []): string[] {
  const ours = [...rounds.values()].filter(([first]) => first && isTool(first.run.mode));
  const lines: string[] = [];
  // The ceiling is one thread's pipeline: it bounds the one-thread runs only.
  const shares = ours.filter(([first]) => first.run.mode === "replay").flatMap(([first]) => {
    const share = shareOfCeiling(rounds, first.run);
    return share === undefined ? [] : [{ id: first.run.id, value: share }];
  });
  if (shares.length > 0) {
    const worst = shares.reduce((a, b) => (a.value < b.value ? a : b));
    lines.push(
      `${worst.value >= 0.9 ? "met" : "NOT met"}: at least 90% of the ceiling ` +
        `(lowest ${round(worst.value * 100)}%, ${worst.id})`,
    );
  }
  const multiples = ours.flatMap(([first]) => {
    const times = timesSdk(rounds, first.run);
    return times === undefined ? [] : [{ id: first.run.id, value: times }];
  });
  if (multiples.length > 0) {
    const worst = multiples.reduce((a, b) => (a.value < b.value ? a : b));
    lines.push(
      `${worst.value >= 2 ? "met" : "NOT met"}: at least twice the SDK's delivered rate ` +
        `(lowest ${round(worst.value, 1)}×, ${worst.id})`,
    );
  }
  const target = rounds.get("deno-replay-protobuf");
  const cpu = target ? medianCpuPerSpan(target) : undefined;
  if (cpu !== undefined) {
    lines.push(
      `${cpu <= CPU_TARGET_US ? "met" : "NOT met"}: at most ${CPU_TARGET_US} µs CPU per ` +
        `delivered span on Deno with protobuf (${cpu} µs, deno-replay-protobuf)`,
    );
  }
  const all = [...ours.flat(), ...millions];
  const lost = all.reduce((sum, o) => sum + o.result.generated - o.delivered, 0);
  lines.push(
    `${lost === 0 ? "met" : "NOT met"}: zero spans lost (${fmt(lost)} lost over ` +
      `${all.length} session-replay runs)`,
  );
  for (const million of millions) {
    const mb = peakMb(million.result);
    // Worker threads share one process: its peak over the workers is the share of each.
    const workers = million.run.workers;
    const each = Math.round(mb / workers);
    const shown = workers === 1 ? `${mb} MB` : `${mb} MB for ${workers} workers, ${each} each`;
    lines.push(
      `${each < 250 ? "met" : "NOT met"}: peak memory under 250 MB ` +
        `per worker for a million spans (${shown}, ${million.run.id}, ` +
        `${fmt(rate(million))} spans/s)`,
    );
  }
  return lines;
}

/** The summary sentence of the million-span run. */
export function millionLine(million: Outcome): string {
  const what = million.run.mode === "load"
    ? `the load command, ${million.run.workers} worker${million.run.workers === 1 ? "" : "s"}`
    : "the pipeline";
  return `One million spans (${million.run.runtime}, ${million.run.protocol.slice(5)}, ${what}): ` +
    `${fmt(rate(million))} spans/s, ${fmt(million.result.generated - million.delivered)} lost, ` +
    `peak RSS ${peakMb(million.result)} MB.`;
}
