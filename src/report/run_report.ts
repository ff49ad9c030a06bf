/**
 * The result of a replay run: what was planned and what became of it. Pure: built from the
 * plans and the delivery counts, printed as text and written as the JSON manifest that
 * verify and purge read back. Holds no secrets: the target is described, never its headers.
 */
import {
  countSpans,
  type ObservationPlan,
  type SessionPlan,
  traceMetadata,
  type TurnPlan,
} from "../plan/types.ts";
import { type ShownTrace, shownTrace } from "../emit/dialect_writers.ts";
import { formatMs } from "../script/duration.ts";
import { promptLinksOf, type RunResources } from "../plan/resources.ts";
import type { RunIdentity } from "../run_record/identity.ts";
import type {
  DeliveryCounts,
  ManifestSession,
  ManifestTrace,
  RunAnchor,
  RunReport,
  ScoreDelivery,
} from "../run_record/schema.ts";
import { count, noun } from "../text/count.ts";

// The record's types are the run record schema's (src/run_record/schema.ts).
export type {
  DeliveryCounts,
  ManifestScore,
  ManifestSession,
  ManifestTrace,
  RunAnchor,
  RunReport,
  ScoreDelivery,
} from "../run_record/schema.ts";

/** Run facts the report needs besides the plans. */
export interface RunFacts {
  version: string;
  runId: string;
  seed: number;
  seeded: boolean;
  anchor?: RunAnchor;
  identity?: RunIdentity;
  startedAt: string;
  finishedAt: string;
  target: RunReport["target"];
  stopped?: string;
}

/** Builds the report of a run. */
export function buildRunReport(
  plans: SessionPlan[],
  counts: DeliveryCounts,
  facts: RunFacts,
): RunReport {
  return {
    tool: "session-replay",
    ...facts,
    sessions: plans.map(manifestSession),
    spans: counts.spans,
    requests: counts.requests,
  };
}

/** A session as the manifest and the sessions file record it. */
export function manifestSession(plan: SessionPlan): ManifestSession {
  return {
    script: plan.script,
    file: plan.file,
    sessionId: plan.sessionId,
    userId: plan.userId,
    traceName: plan.traceName,
    version: plan.version,
    ...(plan.release ? { release: plan.release } : {}),
    ...(plan.environment ? { environment: plan.environment } : {}),
    tags: plan.tags,
    metadata: plan.metadata,
    traces: plan.turns.map((turn) => ({
      traceId: turn.traceId,
      turn: turn.index + 1,
      kind: turn.kind,
      outcome: turn.outcome,
      name: plan.traceName,
      startTime: new Date(turn.root.startMs).toISOString(),
      endTime: new Date(turn.root.endMs).toISOString(),
      spans: countSpans(turn.root),
      metadata: traceMetadata(plan, turn),
      observations: summarize(turn.root),
      ...promptLinksOf(turn.root),
      ...shownOf(plan, turn),
    })),
    scores: plan.scores,
    findings: plan.findings,
    ...(plan.dialect !== undefined ? { dialect: plan.dialect } : {}),
  };
}

function shownOf(plan: SessionPlan, turn: TurnPlan): { shown?: ShownTrace } {
  const shown = shownTrace(plan, turn);
  return shown === undefined ? {} : { shown };
}

function summarize(root: ObservationPlan): ManifestTrace["observations"] {
  const types: Record<string, number> = {};
  const models = new Set<string>();
  const usage = { input: 0, output: 0, total: 0 };
  let costUsd = 0;
  const stack = [root];
  while (stack.length > 0) {
    const obs = stack.pop()!;
    types[obs.type] = (types[obs.type] ?? 0) + 1;
    if (obs.model) models.add(obs.model);
    if (obs.usage) {
      usage.input += obs.usage.input;
      usage.output += obs.usage.output ?? 0;
      usage.total += obs.usage.total;
    }
    costUsd += obs.cost?.total ?? 0;
    stack.push(...obs.children);
  }
  return { types, models: [...models].sort(), usage, costUsd: Math.round(costUsd * 1e9) / 1e9 };
}

/** The human summary printed after a run. */
export function formatSummary(report: RunReport, manifestPath?: string): string {
  const lines: string[] = [];
  const ok = report.spans.failed === 0 && !report.stopped;
  lines.push(`${ok ? "Replayed" : "Replay incomplete"}: ${report.target.describe}`);
  lines.push(`  run       ${report.runId} (seed ${report.seed}${report.seeded ? "" : ", random"})`);
  if (report.dialect) lines.push(`  dialect   ${report.dialect}`);
  for (const session of report.sessions) {
    lines.push(`  script    ${session.file}`);
    lines.push(`  session   ${session.sessionId}`);
    lines.push(`  user      ${session.userId}`);
    // Columns as wide as the session's longest (a stress session has hundreds of turns).
    const width = (key: "name" | "kind") =>
      Math.max(key === "kind" ? 10 : 0, ...session.traces.map((trace) => trace[key].length));
    const [nameWidth, kindWidth] = [width("name"), width("kind")];
    for (const trace of session.traces) {
      const duration = formatMs(Date.parse(trace.endTime) - Date.parse(trace.startTime));
      lines.push(
        `  ${`trace ${trace.turn}`.padEnd(9)} ${trace.traceId}  ${trace.name.padEnd(nameWidth)}  ` +
          `${trace.kind.padEnd(kindWidth)} ` +
          `${String(trace.spans).padStart(3)} ${noun(trace.spans, "span").padEnd(5)}  ${duration}`,
      );
    }
  }
  const { spans, requests } = report;
  lines.push(
    `  spans     ${spans.generated} generated, ${spans.acknowledged} acknowledged, ${spans.failed} failed`,
  );
  for (const [reason, count] of Object.entries(spans.failures)) {
    lines.push(`            ${count} failed: ${reason}`);
  }
  const statuses = Object.entries(requests.byStatus).map(([status, n]) => `${status}×${n}`).join(
    " ",
  );
  if (requests.total > 0) {
    lines.push(
      `  requests  ${requests.total} (${requests.retried} retried)${
        statuses ? `  ${statuses}` : ""
      }`,
    );
  }
  if (report.resources) lines.push(formatResources(report.resources, "  resources "));
  if (report.scores && report.scores.planned > 0) {
    lines.push(formatScores(report.scores, "  scores    "));
  }
  if (report.stopped) lines.push(`  stopped   ${report.stopped}`);
  if (manifestPath) lines.push(`  manifest  ${manifestPath}`);
  return lines.join("\n");
}

/** One line (and one per failure reason) on what became of the scores. */
export function formatScores(scores: ScoreDelivery, prefix: string): string {
  if (scores.skipped) return `${prefix}${scores.planned} planned, not sent: ${scores.skipped}`;
  const failures = Object.entries(scores.failed).map(([reason, n]) =>
    `\n${prefix.replace(/\S/g, " ")}${n} failed: ${reason}`
  );
  const failedCount = Object.values(scores.failed).reduce((sum, n) => sum + n, 0);
  return `${prefix}${scores.sent} sent, ${failedCount} failed${failures.join("")}`;
}

/** One line on the run's resources, e.g. `2 prompts (router v3, answer v12; 1 created), 1 score config (reused)`. */
export function formatResources(resources: RunResources, prefix: string): string {
  const created = (list: readonly { created: boolean }[]) => {
    const n = list.filter((item) => item.created).length;
    return n === 0 ? "reused" : n === list.length ? "created" : `${n} created`;
  };
  const parts: string[] = [];
  if (resources.prompts.length > 0) {
    const versions = resources.prompts.map((p) => `${p.name} v${p.version}`).join(", ");
    parts.push(
      `${count(resources.prompts.length, "prompt")} (${versions}; ${created(resources.prompts)})`,
    );
  }
  if (resources.scoreConfigs.length > 0) {
    parts.push(
      `${count(resources.scoreConfigs.length, "score config")} (${
        created(resources.scoreConfigs)
      })`,
    );
  }
  return `${prefix}${parts.join(", ") || "none needed"}`;
}
