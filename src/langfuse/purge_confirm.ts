/**
 * Confirms a purge: Langfuse answers a trace delete before it happens (a queued job), and
 * has answered 200 to deletes that never took effect (langfuse/langfuse#17554), so the
 * deleted ids are read back, pass after pass, until each is gone or the time is up.
 *
 * @example
 * ```ts
 * const check = await confirmGone(client, done.traceIds, { generation: "v4", timeoutMs: 120_000 });
 * if (check.visible.length + check.unchecked.length > 0) console.log("not all gone");
 * ```
 */
import { LangfuseApiError } from "./api_error.ts";
import type { LangfuseClient, LangfuseGeneration } from "./client.ts";
import { phaseOf, type ReadProgress } from "./read_progress.ts";

/** Options for {@link confirmGone}. */
export interface ConfirmOptions {
  /** Which read API Langfuse serves; default asked of Langfuse (one read). */
  generation?: LangfuseGeneration;
  /** How long to keep reading, from the first read; ids not read by then stay unchecked; required. */
  timeoutMs: number;
  /** Pause between two passes over the ids still visible; default 1 000 ms. */
  pollMs?: number;
  /** Progress of long passes (stderr); default none. */
  progress?: ReadProgress;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** Waits `ms`; default a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** Where each read-back trace id ended up. */
export interface ConfirmResult {
  /** Read back and gone. */
  gone: string[];
  /** Still shown by Langfuse at their last read, when the time was up. */
  visible: string[];
  /** Not read before the time was up, or after a read failed (see `stopped`). */
  unchecked: string[];
  /** Why reading stopped early: a failed read's message; absent when it did not. */
  stopped?: string;
  /** How long the confirmation took, ms. */
  tookMs: number;
}

/** Reads `traceIds` back until each is gone or `timeoutMs` passes; never throws an API error. */
export async function confirmGone(
  client: LangfuseClient,
  traceIds: readonly string[],
  options: ConfirmOptions,
): Promise<ConfirmResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollMs = options.pollMs ?? 1_000;
  const started = now();
  const deadline = started + options.timeoutMs;
  const gone = new Set<string>();
  // Seen at least once, so a pass the time cut short still says they were there.
  const seen = new Set<string>();
  let pending = [...traceIds];
  let stopped: string | undefined;
  let generation = options.generation;
  if (generation === undefined && traceIds.length > 0) {
    try {
      generation = await client.detectGeneration();
    } catch (error) {
      if (!(error instanceof LangfuseApiError)) throw error;
      stopped = error.message;
    }
  }
  while (pending.length > 0 && now() < deadline && stopped === undefined) {
    const phase = phaseOf(options.progress, "back deleted traces", pending.length);
    const next: string[] = [];
    let read = 0;
    for (const id of pending) {
      if (now() >= deadline) break;
      try {
        if (await client.traceVisible(id, generation!)) next.push(id);
        else gone.add(id);
      } catch (error) {
        if (!(error instanceof LangfuseApiError)) throw error;
        stopped = error.message;
        break;
      }
      seen.add(id);
      phase.at(++read);
    }
    phase.end();
    pending = [...next, ...pending.slice(read)];
    if (pending.length > 0 && stopped === undefined && now() < deadline) {
      await sleep(Math.min(pollMs, deadline - now()));
    }
  }
  const left = traceIds.filter((id) => !gone.has(id));
  return {
    gone: traceIds.filter((id) => gone.has(id)),
    visible: left.filter((id) => seen.has(id)),
    unchecked: left.filter((id) => !seen.has(id)),
    ...(stopped === undefined ? {} : { stopped }),
    tookMs: now() - started,
  };
}
