/**
 * Verification's I/O: reads a run's sessions and scores back through the client and compares
 * them with the manifest, polling with exponential backoff until everything matched or the
 * timeout passed, because Langfuse ingests asynchronously. Sessions and scores that matched are
 * not read again. The client spaces reads (`readsPerSecond`) and retries 429s itself.
 *
 * @example
 * ```ts
 * const client = new LangfuseClient({ baseUrl, publicKey, secretKey, readsPerSecond: 2 });
 * const { result, timedOut } = await verifyRun(client, manifest.sessions, { timeoutMs: 120_000 });
 * ```
 */
import type { ManifestScore, ManifestSession } from "../run_record/schema.ts";
import { MAX_OBSERVATIONS_LIMIT, MAX_PAGE_LIMIT, MAX_SCORES_LIMIT } from "./api_types.ts";
import type { LangfuseClient, LangfuseGeneration } from "./client.ts";
import type { RunResources } from "../plan/resources.ts";
import { checkResources, withResourceChecks } from "./verify_resources.ts";
import { phaseOf, type ReadProgress } from "./read_progress.ts";
import {
  compareRun,
  type FoundScore,
  type FoundSession,
  fromV2Scores,
  fromV3Scores,
  fromV3Traces,
  fromV4Observations,
  type VerifyResult,
  type VerifySummary,
} from "./verify.ts";

/**
 * Reads a second verification makes by default. Langfuse Cloud limits its public read APIs per
 * organisation: 1,000 requests a minute on Pro, Team and Enterprise (2/s is well inside), but
 * 100 a minute on Core and 30 on Hobby, where 2/s runs into 429s; the client then waits as
 * Retry-After says, so verification still completes, only slower. Pass about 1.5 on Core and
 * 0.5 on Hobby to stay under the limit. Self-hosted Langfuse has no limit.
 */
export const DEFAULT_READS_PER_SECOND = 2;

/** Default {@link VerifyRunOptions.timeoutMs}: two minutes. */
export const DEFAULT_VERIFY_TIMEOUT_MS = 120_000;

/** Ids per request when scores are read by a comma-joined list of ids (keeps URLs short). */
const IDS_PER_READ = 40;

/** Options for {@link verifyRun}. */
export interface VerifyRunOptions {
  /** Stop polling after this long; default 120 000 ms. 0 reads once. */
  timeoutMs?: number;
  /** Wait after the first unsuccessful read; default 1 000 ms, doubling each time. */
  initialDelayMs?: number;
  /** Longest wait between reads; default 15 000 ms. */
  maxDelayMs?: number;
  /** The server's generation; default detected with `client.detectGeneration()`. */
  generation?: LangfuseGeneration;
  /**
   * v3 servers: also read each session's observations (v1 API, by user and time window) to
   * compare types, models and usage; default true. Without them only the count is compared.
   */
  observations?: boolean;
  /** This run's ids, for telling its extra traces from other runs'; default from metadata. */
  runIds?: readonly string[];
  /** The run's resources (manifest `resources`): checked once, and the links expected. */
  resources?: RunResources;
  /** Called after each comparison that did not match everything yet, and after the last. */
  progress?: (progress: VerifyProgress) => void;
  /** Progress of long read phases (resources, sessions, scores); default none. */
  reads?: ReadProgress;
  /** Rows per page; default the most each endpoint allows (1000 v4 observations, else 100). */
  pageSize?: number;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** Waits between polls; default a `setTimeout` promise. */
  sleep?: (ms: number) => Promise<void>;
}

/** Where polling stands. */
export interface VerifyProgress {
  attempt: number;
  elapsedMs: number;
  summary: VerifySummary;
  /** The wait before the next read; absent after the last one. */
  nextDelayMs?: number;
}

/** The outcome of {@link verifyRun}. */
export interface VerifyRunResult {
  result: VerifyResult;
  generation: LangfuseGeneration;
  /** Comparisons made (each after one round of reads). */
  attempts: number;
  elapsedMs: number;
  /** True when the timeout passed before everything matched. */
  timedOut: boolean;
}

/** Reads the sessions and scores back until they match or `timeoutMs` passed. */
export async function verifyRun(
  client: LangfuseClient,
  sessions: readonly ManifestSession[],
  options: VerifyRunOptions = {},
): Promise<VerifyRunResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
  const maxDelayMs = options.maxDelayMs ?? 15_000;
  const started = now();
  const generation = options.generation ?? await client.detectGeneration();
  const reader = new Reader(client, generation, options.observations ?? true, options.pageSize);
  const resourceChecks = options.resources
    ? await checkResources(client, options.resources, options.reads)
    : [];

  const found = new Map<string, FoundSession>();
  const foundScores = new Map<string, FoundScore>();
  const doneSessions = new Set<string>();
  const doneScores = new Set<string>();
  let delay = options.initialDelayMs ?? 1_000;
  for (let attempt = 1;; attempt++) {
    const toRead = sessions.filter((s) => !doneSessions.has(s.sessionId) && s.traces.length > 0);
    const sessionPhase = phaseOf(options.reads, "sessions", toRead.length);
    for (const [i, session] of toRead.entries()) {
      found.set(session.sessionId, await reader.session(session));
      sessionPhase.at(i + 1);
    }
    sessionPhase.end();
    const pending = sessions.flatMap((s) => s.scores ?? []).filter((s) => !doneScores.has(s.id));
    const scorePhase = phaseOf(options.reads, "scores", pending.length);
    for (const score of await reader.scores(pending, (n) => scorePhase.at(n))) {
      foundScores.set(score.id, score);
    }
    scorePhase.end();

    const compared = compareRun(sessions, {
      sessions: [...found.values()],
      scores: [...foundScores.values()],
    }, {
      ...(options.runIds ? { runIds: options.runIds } : {}),
      ...(options.resources ? { resources: options.resources } : {}),
    });
    // Resources do not change by waiting: polling goes on only for what is being ingested.
    const result = withResourceChecks(compared, resourceChecks);
    for (const session of sessions) {
      const checks = result.traces.filter((t) => t.sessionId === session.sessionId);
      if (checks.every((t) => t.status === "matched")) doneSessions.add(session.sessionId);
    }
    for (const score of result.scores) if (score.status === "matched") doneScores.add(score.id);

    const elapsedMs = now() - started;
    const last = compared.ok || elapsedMs + delay > timeoutMs;
    options.progress?.({
      attempt,
      elapsedMs,
      summary: result.summary,
      ...(last ? {} : { nextDelayMs: delay }),
    });
    if (last) {
      return { result, generation, attempts: attempt, elapsedMs, timedOut: !compared.ok };
    }
    await sleep(delay);
    delay = Math.min(delay * 2, maxDelayMs);
  }
}

/** One generation's reads, normalised. */
class Reader {
  constructor(
    private readonly client: LangfuseClient,
    private readonly generation: LangfuseGeneration,
    private readonly withObservations: boolean,
    private readonly limit: number | undefined,
  ) {}

  /** The page size for an endpoint allowing at most `max` rows a page. */
  #cap(max: number): number | undefined {
    return this.limit === undefined ? undefined : Math.min(this.limit, max);
  }

  /** The traces Langfuse holds for a session (v4: only those starting in the run's window). */
  async session(session: ManifestSession): Promise<FoundSession> {
    const from = session.traces.map((t) => Date.parse(t.startTime)).reduce((a, b) =>
      Math.min(a, b)
    );
    const to = session.traces.map((t) => Date.parse(t.endTime)).reduce((a, b) => Math.max(a, b));
    const window = {
      fromStartTime: new Date(from).toISOString(),
      toStartTime: new Date(to + 1).toISOString(),
    };
    if (this.generation === "v4") {
      const rows = await this.client.observationsBySession(session.sessionId, {
        ...window,
        limit: this.#cap(MAX_OBSERVATIONS_LIMIT),
      });
      return { sessionId: session.sessionId, traces: fromV4Observations(rows) };
    }
    const limit = this.#cap(MAX_PAGE_LIMIT);
    const traces = await this.client.allTraces({ sessionId: session.sessionId, limit });
    const observations = this.withObservations
      ? await this.client.allObservationsV1({ userId: session.userId, ...window, limit })
      : undefined;
    return { sessionId: session.sessionId, traces: fromV3Traces(traces, observations) };
  }

  /**
   * The scores on the expected scores' traces and sessions (v4, so duplicates under other ids
   * show), or the expected scores by id (v3: its v2 API filters one trace or session a call).
   */
  async scores(
    expected: readonly ManifestScore[],
    onRead: (done: number) => void = () => {},
  ): Promise<FoundScore[]> {
    if (expected.length === 0) return [];
    const out: FoundScore[] = [];
    // Progress counts the expected scores whose trace, session or id was read.
    const count = (key: (s: ManifestScore) => string | undefined, ids: readonly string[]) => {
      const read = new Set(ids);
      return expected.filter((s) => read.has(key(s) ?? "")).length;
    };
    let done = 0;
    if (this.generation === "v4") {
      const traceIds = unique(expected.flatMap((s) => s.traceId ?? []));
      const sessionIds = unique(expected.flatMap((s) => s.sessionId ?? []));
      for (const ids of chunks(traceIds, IDS_PER_READ)) {
        const rows = await this.client.allScoresV3({
          traceIds: ids,
          limit: this.#cap(MAX_SCORES_LIMIT),
        });
        out.push(...fromV3Scores(rows));
        done += count((s) => s.traceId, ids);
        onRead(done);
      }
      for (const ids of chunks(sessionIds, IDS_PER_READ)) {
        const rows = await this.client.allScoresV3({
          sessionIds: ids,
          limit: this.#cap(MAX_SCORES_LIMIT),
        });
        out.push(...fromV3Scores(rows));
        done += count((s) => s.sessionId, ids);
        onRead(done);
      }
      return out;
    }
    for (const ids of chunks(unique(expected.map((s) => s.id)), IDS_PER_READ)) {
      const rows = await this.client.allScoresV2({
        scoreIds: ids,
        limit: this.#cap(MAX_SCORES_LIMIT),
      });
      out.push(...fromV2Scores(rows));
      done += count((s) => s.id, ids);
      onRead(done);
    }
    return out;
  }
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < list.length; at += size) out.push(list.slice(at, at + size));
  return out;
}
