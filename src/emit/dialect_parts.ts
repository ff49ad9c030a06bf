/**
 * What every dialect writer shares: the shape of a written span, what Langfuse will show of a
 * turn, and the conversions each dialect needs (messages, token counts inclusive of their
 * details, providers). Pure data and functions, no OpenTelemetry: verify and the manifest use
 * them too.
 */
import type { Json, ObservationPlan, SessionPlan, TurnPlan, Usage } from "../plan/types.ts";
import { SCOPE_NAME } from "./attributes.ts";
import { VERSION } from "../version.ts";

/** An attribute value as the SDK takes it. */
export type SpanValue = string | number | boolean | string[];

/** A span's attributes. */
export type SpanAttributes = Record<string, SpanValue>;

/** An instrumentation scope. */
export interface Scope {
  name: string;
  version?: string;
}

/** The app's own tracer: spans no instrumentation library makes (the tool's own scope). */
export const APP_SCOPE: Scope = { name: SCOPE_NAME, version: VERSION };

/**
 * The OpenTelemetry resource attribute of the deployment environment: an app sets it on its
 * resource; here every span carries it, as the runs of one pipeline mix sessions.
 */
export const ENVIRONMENT = "deployment.environment.name";

/** One observation as a dialect writes it. */
export interface WrittenSpan {
  name: string;
  scope: Scope;
  attributes: SpanAttributes;
}

/** Where an observation sits: its session and turn, and whether it is the turn's root. */
export interface SpanPlace {
  plan: SessionPlan;
  turn: TurnPlan;
  isRoot: boolean;
}

/** Usage as Langfuse shows it after mapping (input, output, total). */
export interface ShownUsage {
  input: number;
  output: number;
  total: number;
}

/** Writes one dialect. */
export interface DialectWriter {
  /** The span of one observation. */
  span(obs: ObservationPlan, place: SpanPlace): WrittenSpan;
  /** The observation type Langfuse maps the span to (lower case). */
  shownType(obs: ObservationPlan, isRoot: boolean): string;
  /** The model Langfuse reads from the span, if any. */
  shownModel(obs: ObservationPlan, isRoot: boolean): string | undefined;
  /** The token counts Langfuse reads from the span. */
  shownUsage(obs: ObservationPlan, isRoot: boolean): ShownUsage;
}

/** A chat message as scripts write them: `{ role, content, name? }`. */
export interface Message {
  role: string;
  content: string;
  name?: string;
}

/** The messages of an input or output: a message list, one message, or text as a user turn. */
export function messagesOf(value: Json | undefined, role = "user"): Message[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (item !== null && typeof item === "object" && !Array.isArray(item)) {
      const content = item.content;
      return {
        role: typeof item.role === "string" ? item.role : role,
        content: typeof content === "string" ? content : JSON.stringify(content ?? null),
        ...(typeof item.name === "string" ? { name: item.name } : {}),
      };
    }
    return { role, content: typeof item === "string" ? item : JSON.stringify(item) };
  });
}

/** Text as instrumentation records it: strings as they are, anything else as JSON. */
export function textOf(value: Json): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Token counts as providers report them: input including cached and cache-write tokens,
 * output including reasoning tokens (Langfuse subtracts the details again).
 */
export function inclusiveTokens(usage: Usage): {
  input: number;
  output: number;
  total: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
} {
  const cacheRead = usage.input_cached_tokens;
  const cacheWrite = usage.input_cache_creation;
  const reasoning = usage.output_reasoning_tokens;
  return {
    input: usage.input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    output: (usage.output ?? 0) + (reasoning ?? 0),
    total: usage.total,
    ...(cacheRead !== undefined ? { cacheRead } : {}),
    ...(cacheWrite !== undefined ? { cacheWrite } : {}),
    ...(reasoning !== undefined ? { reasoning } : {}),
  };
}

/** The plan's usage as verify counts it (the manifest's sums). */
export function plannedUsage(obs: ObservationPlan): ShownUsage {
  if (!obs.usage) return { input: 0, output: 0, total: 0 };
  return { input: obs.usage.input, output: obs.usage.output ?? 0, total: obs.usage.total };
}

/** The provider a model name implies, as instrumentations name it. */
export function providerOf(model: string): string {
  if (/^claude/i.test(model)) return "anthropic";
  if (/^gemini/i.test(model)) return "gcp.gemini";
  if (/^(mistral|ministral|codestral)/i.test(model)) return "mistral_ai";
  return "openai";
}

/** Model parameters under the names GenAI semconv and the AI SDK share. */
export function requestSettings(
  parameters: ObservationPlan["modelParameters"],
): { temperature?: number; maxTokens?: number; topP?: number } {
  const number = (key: string) =>
    typeof parameters?.[key] === "number" ? parameters[key] as number : undefined;
  const maxTokens = number("max_tokens") ?? number("max_completion_tokens") ??
    number("max_output_tokens");
  return {
    ...(number("temperature") !== undefined ? { temperature: number("temperature") } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(number("top_p") !== undefined ? { topP: number("top_p") } : {}),
  };
}
