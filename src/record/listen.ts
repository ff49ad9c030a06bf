/**
 * `record --listen PORT`: an OTLP/HTTP receiver on 127.0.0.1 (export/receiver.ts) for a team's
 * own app. As each trace is complete (its root span arrived; exporters send a span when it
 * ends, and a root ends last) it hands back what Langfuse will make of it, drawn as the preview
 * draws it with the trace's contract problems. It stops on Ctrl-C, or once `sessions` sessions
 * were seen and nothing arrived for `idleMs`, and answers the sessions it saw.
 */
import { type OtlpReceiver, startOtlpReceiver } from "../export/receiver.ts";
import type { ReceivedSpan } from "../export/otlp_decode.ts";
import { interpretSpans } from "../report/langfuse_view.ts";
import { renderTurn } from "../report/preview.ts";
import { sessionsFromSpans } from "./from_spans.ts";
import type { RecordedSession } from "./types.ts";

/** The port cannot be listened on (in use, or privileged); the message says which and why. */
export class ListenPortError extends Error {
  override readonly name = "ListenPortError";
}

/** Default {@link ListenOptions.idleMs}: how long a session must be quiet to count as done. */
export const DEFAULT_IDLE_MS = 2_000;

/** Options for {@link listenForSessions}. */
export interface ListenOptions {
  /** Port on 127.0.0.1; 0 picks a free one. Required. */
  port: number;
  /** Stop once this many sessions were seen and `idleMs` passed without a span; default never. */
  sessions?: number;
  /** Default {@link DEFAULT_IDLE_MS}. */
  idleMs?: number;
  /** Whether to stop now (Ctrl-C); polled every `pollMs`. Required. */
  stopped: () => boolean;
  /** Called with the text of each complete trace as it arrives. Required. */
  onTurn: (text: string) => void;
  /** Called once listening, with the OTLP traces URL. */
  onReady?: (tracesUrl: string) => void;
  /** Called with the reason of each request refused (too large, not OTLP, …), e.g. a 413. */
  onRefused?: (reason: string) => void;
  /** ANSI colours in the turn text; default false. */
  color?: boolean;
  /** Default 100 ms. */
  pollMs?: number;
  /** Clock in ms for the idle rule; default `performance.now`. */
  now?: () => number;
}

/** What a listening session saw. */
export interface ListenResult {
  sessions: RecordedSession[];
  /** Spans received. */
  spans: number;
  /** Traces shown (those whose root span arrived). */
  traces: number;
  /** Problems flagged over all shown traces. */
  problems: number;
}

/** Listens until stopped; throws ListenPortError when the port cannot be listened on. */
export async function listenForSessions(options: ListenOptions): Promise<ListenResult> {
  const now = options.now ?? (() => performance.now());
  const spans: ReceivedSpan[] = [];
  const shown = new Set<string>();
  const turnsBySession = new Map<string, number>();
  let problems = 0;
  let lastArrival = now();

  const arrived = (batch: ReceivedSpan[]): void => {
    spans.push(...batch);
    lastArrival = now();
    const complete = [
      ...new Set(batch.filter((s) => s.parentSpanId === undefined).map((s) => s.traceId)),
    ]
      .filter((id) => !shown.has(id));
    for (const traceId of complete) {
      shown.add(traceId);
      const view = interpretSpans(spans.filter((s) => s.traceId === traceId));
      const trace = view.traces[0];
      const key = trace?.sessionId ?? "";
      const turn = (turnsBySession.get(key) ?? 0) + 1;
      turnsBySession.set(key, turn);
      problems += view.problems.length;
      options.onTurn(renderTurn(view, traceId, turn, { color: options.color }));
    }
  };

  let receiver: OtlpReceiver;
  try {
    receiver = await startOtlpReceiver({
      port: options.port,
      onRefused: ({ status, message }) => options.onRefused?.(`HTTP ${status}: ${message}`),
      respond: ({ spans: batch }) => {
        arrived(batch);
        return undefined;
      },
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === "EADDRINUSE"
      ? "it is in use (is a Collector or another receiver running?)"
      : code === "EACCES"
      ? "permission denied (ports below 1024 need privileges)"
      : (error as Error).message;
    throw new ListenPortError(`--listen: cannot listen on 127.0.0.1:${options.port}: ${why}`);
  }
  try {
    options.onReady?.(`${receiver.url}/v1/traces`);
    const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    const pollMs = options.pollMs ?? 100;
    while (!options.stopped()) {
      const enough = options.sessions !== undefined &&
        turnsBySession.size >= options.sessions && now() - lastArrival >= idleMs;
      if (enough) break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    await receiver.close();
  }
  return {
    sessions: sessionsFromSpans(spans, { source: "a live OpenTelemetry app (record --listen)" }),
    spans: spans.length,
    traces: shown.size,
    problems,
  };
}
