/**
 * The Langfuse trace-context helper: sets session, user, trace name, version, tags and
 * bounded metadata as OpenTelemetry baggage for the duration of a function. Baggage stays in
 * this process; nothing propagates it over HTTP.
 */
import { type BaggageEntry, context, propagation } from "@opentelemetry/api";
import { TAGS_BAGGAGE_KEY, TRACE, TRACE_METADATA_PREFIX } from "./attributes.ts";

/** The execution context of one turn, as Langfuse groups it. */
export interface LangfuseContext {
  sessionId: string;
  userId: string;
  traceName: string;
  version: string;
  release?: string;
  environment?: string;
  tags: readonly string[];
  /** Flat, bounded values: they are copied onto every span. */
  metadata: Readonly<Record<string, string>>;
}

/** The baggage entries a context becomes; the baggage processor copies them onto spans. */
export function baggageEntries(ctx: LangfuseContext): Record<string, string> {
  const entries: Record<string, string> = {
    [TRACE.sessionId]: ctx.sessionId,
    [TRACE.userId]: ctx.userId,
    [TRACE.name]: ctx.traceName,
    [TRACE.version]: ctx.version,
    [TAGS_BAGGAGE_KEY]: ctx.tags.join(","),
  };
  if (ctx.release) entries[TRACE.release] = ctx.release;
  if (ctx.environment) entries[TRACE.environment] = ctx.environment;
  for (const [key, value] of Object.entries(ctx.metadata)) {
    entries[TRACE_METADATA_PREFIX + key] = value;
  }
  return entries;
}

/**
 * Runs `fn` with the Langfuse context set as baggage; spans started inside, also after an
 * `await`, carry it (with an async context manager registered).
 *
 * @example
 * await withLangfuseContext({ sessionId: "conv_82d9535867844b4c8cdff", ... }, () => runTurn());
 */
export function withLangfuseContext<T>(ctx: LangfuseContext, fn: () => T): T {
  const active = context.active();
  const entries: Record<string, BaggageEntry> = {};
  for (const [key, entry] of propagation.getBaggage(active)?.getAllEntries() ?? []) {
    entries[key] = entry;
  }
  for (const [key, value] of Object.entries(baggageEntries(ctx))) entries[key] = { value };
  // One baggage built from all entries: setEntry copies the whole baggage for each entry.
  return context.with(propagation.setBaggage(active, propagation.createBaggage(entries)), fn);
}
