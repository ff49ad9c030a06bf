/**
 * `record --listen PORT`: an OTLP/HTTP receiver on 127.0.0.1 (export/receiver.ts) for a team's
 * own app. As each trace is complete (its root span arrived; exporters send a span when it
 * ends, and a root ends last) it hands back what Langfuse will make of it, drawn as the preview
 * draws it with the trace's contract problems. It stops on Ctrl-C, or once `sessions` sessions
 * were seen and nothing arrived for `idleMs`, and answers the sessions it saw.
 *
 * What it holds is bounded ({@link MAX_HELD_SPANS}, {@link MAX_HELD_BYTES}): an app that keeps
 * sending cannot fill the machine. Past the bound every request is answered 503 with
 * Retry-After, the OTLP/HTTP spec's answer for a server that is overloaded: an exporter (or a
 * Collector's queue) backs off and keeps the spans for a later try, where a 413 would make it
 * drop them at once. The spans held are still written when the listen stops.
 */
import { type OtlpReceiver, startOtlpReceiver } from "../export/receiver.ts";
import type { ReceivedSpan } from "../otlp/decode.ts";
import { formatBytes } from "../text/bytes.ts";
import { interpretSpans } from "../langfuse/ingestion/view.ts";
import { renderTurn } from "../report/preview.ts";
import { sessionsFromSpans } from "./from_spans.ts";
import type { RecordedSession } from "./types.ts";

/** The port cannot be listened on (in use, or privileged); the message says which and why. */
export class ListenPortError extends Error {
  override readonly name = "ListenPortError";
}

/** Default {@link ListenOptions.idleMs}: how long a session must be quiet to count as done. */
export const DEFAULT_IDLE_MS = 2_000;

/**
 * Default {@link ListenOptions.maxSpans}: most spans held. A decoded span measured 0.8 KB of heap
 * without content and 2.8 KB with 1,000 characters each of input and output, so 250,000 spans
 * hold about 200-700 MB, and writing the scripts needs about as much again.
 */
export const MAX_HELD_SPANS = 250_000;

/**
 * Most request-body bytes held (after gunzip), whatever the span count: 512 MiB, about 600 MB of
 * heap once decoded. It bounds spans with large content, which {@link MAX_HELD_SPANS} does not.
 */
export const MAX_HELD_BYTES = 512 * 1024 * 1024;

/** Seconds an exporter is asked to wait once the listen is full: it will not take more. */
export const FULL_RETRY_AFTER_S = 60;

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
  /** Most spans held; default {@link MAX_HELD_SPANS}. */
  maxSpans?: number;
  /** Most request-body bytes held (after gunzip); default {@link MAX_HELD_BYTES}. */
  maxBytes?: number;
  /** Called once, with why, when the bound is reached and later requests are answered 503. */
  onFull?: (reason: string) => void;
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
  /** Spans refused (answered 503) because the bound was reached. */
  refusedSpans: number;
}

/** Listens until stopped; throws ListenPortError when the port cannot be listened on. */
export async function listenForSessions(options: ListenOptions): Promise<ListenResult> {
  const now = options.now ?? (() => performance.now());
  const spans: ReceivedSpan[] = [];
  // Each trace's spans, so that drawing a trace does not scan every span held.
  const byTrace = new Map<string, ReceivedSpan[]>();
  const maxSpans = options.maxSpans ?? MAX_HELD_SPANS;
  const maxBytes = options.maxBytes ?? MAX_HELD_BYTES;
  let heldBytes = 0;
  let full = false;
  let refusedSpans = 0;
  const shown = new Set<string>();
  const turnsBySession = new Map<string, number>();
  let problems = 0;
  let lastArrival = now();

  /** Whether a request of `batch` fits; once one does not, none does (the listen is full). */
  const fits = (batch: ReceivedSpan[], bytes: number): boolean => {
    if (!full && spans.length + batch.length <= maxSpans && heldBytes + bytes <= maxBytes) {
      return true;
    }
    if (!full) {
      full = true;
      const bound = spans.length + batch.length > maxSpans
        ? `${maxSpans} spans (--max-spans)`
        : `${formatBytes(maxBytes)} of requests`;
      options.onFull?.(
        `holding ${spans.length} spans, and this request would pass the bound of ${bound}; ` +
          `later requests are answered 503 (Retry-After: ${FULL_RETRY_AFTER_S}). ` +
          `Stop (Ctrl-C) to write the scripts of the spans held.`,
      );
    }
    refusedSpans += batch.length;
    return false;
  };

  const arrived = (batch: ReceivedSpan[], bytes: number): void => {
    for (const span of batch) {
      spans.push(span);
      const trace = byTrace.get(span.traceId);
      if (trace) trace.push(span);
      else byTrace.set(span.traceId, [span]);
    }
    heldBytes += bytes;
    lastArrival = now();
    const complete = [
      ...new Set(batch.filter((s) => s.parentSpanId === undefined).map((s) => s.traceId)),
    ]
      .filter((id) => !shown.has(id));
    for (const traceId of complete) {
      shown.add(traceId);
      const view = interpretSpans(byTrace.get(traceId) ?? []);
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
      keepHistory: false,
      onRefused: ({ status, message }) => options.onRefused?.(`HTTP ${status}: ${message}`),
      respond: ({ spans: batch, bodyBytes }) => {
        if (!fits(batch, bodyBytes)) {
          return {
            status: 503,
            headers: { "retry-after": String(FULL_RETRY_AFTER_S) },
            message: "record --listen holds as many spans as it may; stop it to write them",
          };
        }
        arrived(batch, bodyBytes);
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
    refusedSpans,
  };
}
