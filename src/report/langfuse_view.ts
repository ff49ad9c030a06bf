/**
 * What Langfuse will make of a set of received spans: traces, observation trees, sessions and
 * users as a v4 server stores them, plus every way the spans break the OTLP contract
 * (see shared/langfuse-otlp-contract.md). Pure: spans in, a view out.
 */
import type { AttrValue, ReceivedSpan } from "../export/otlp_decode.ts";
import { OBSERVATION, TRACE, TRACE_METADATA_PREFIX } from "../emit/attributes.ts";
import type { Json } from "../plan/types.ts";
import {
  type Level,
  LEVELS,
  OBSERVATION_TYPES,
  type ObservationType,
} from "../script/vocabulary.ts";

/**
 * OpenTelemetry semantic-convention names Langfuse also reads. They live here, not in
 * emit/attributes.ts, because this tool does not write them; move them there once it does.
 */
export const SEMCONV = {
  sessionId: ["session.id", "gen_ai.conversation.id"],
  userId: ["user.id"],
  environment: ["deployment.environment.name", "deployment.environment"],
  serviceVersion: "service.version",
  operationName: "gen_ai.operation.name",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  usagePrefix: "gen_ai.usage.",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  totalTokens: "gen_ai.usage.total_tokens",
  cost: "gen_ai.usage.cost",
} as const;

/** A contract problem; `traceId`/`spanId` say where, the message says what and why. */
export interface ViewProblem {
  traceId?: string;
  spanId?: string;
  message: string;
}

/** Token counts as Langfuse stores them; `total` is the sum of the buckets when not sent. */
export interface ViewUsage {
  input?: number;
  output?: number;
  total?: number;
}

/** One observation (one span) with its children ordered by start time. Times are epoch ms. */
export interface ViewObservation {
  id: string;
  parentId?: string;
  name: string;
  type: ObservationType;
  level: Level;
  statusMessage?: string;
  startMs: number;
  durationMs: number;
  model?: string;
  usage?: ViewUsage;
  /** Total cost in USD. */
  cost?: number;
  completionStartMs?: number;
  /** Prompt link; generations only. `version` is absent when not sent as an int. */
  prompt?: { name?: string; version?: number };
  children: ViewObservation[];
}

/** One trace, defined by its root span; `observations` are the tree's top level. */
export interface ViewTrace {
  id: string;
  /** Absent only when the root is missing and no span names the trace. */
  name?: string;
  sessionId?: string;
  userId?: string;
  tags: string[];
  metadata: Record<string, string>;
  version?: string;
  release?: string;
  environment: string;
  input?: Json;
  output?: Json;
  /** Root start, epoch ms. */
  startMs: number;
  /** Earliest start to latest end over all spans, as Langfuse computes latency. */
  durationMs: number;
  hasRoot: boolean;
  spanCount: number;
  totalCost: number;
  totalTokens: number;
  observations: ViewObservation[];
}

/** Traces sharing a session id, ordered by start time. */
export interface ViewSession {
  id: string;
  /** Distinct user ids of its traces, sorted. */
  userIds: string[];
  traceIds: string[];
  startMs: number;
  /** First trace start to last trace end. */
  durationMs: number;
  spanCount: number;
  totalCost: number;
  totalTokens: number;
}

/** One user id and what it adds up to. */
export interface ViewUser {
  id: string;
  sessionCount: number;
  traceCount: number;
  totalCost: number;
  totalTokens: number;
}

/** Everything Langfuse will show for a set of spans, and every contract problem found. */
export interface LangfuseView {
  /** All traces ordered by start time, with or without a session. */
  traces: ViewTrace[];
  sessions: ViewSession[];
  users: ViewUser[];
  problems: ViewProblem[];
}

const AGENT_OPERATIONS = new Set(["invoke_agent", "agent_step"]);

const OPERATION_TYPES: Record<string, ObservationType> = {
  chat: "generation",
  completion: "generation",
  text_completion: "generation",
  generate_content: "generation",
  generate: "generation",
  embeddings: "embedding",
  invoke_agent: "agent",
  create_agent: "agent",
  execute_tool: "tool",
};

// Langfuse v4 reads these level spellings from OTel senders; v3 accepts only LEVELS.
const LEVEL_ALIASES: Record<string, Level> = {
  DEBUG: "DEBUG",
  TRACE: "DEBUG",
  VERBOSE: "DEBUG",
  DEFAULT: "DEFAULT",
  INFO: "DEFAULT",
  LOG: "DEFAULT",
  NOTICE: "DEFAULT",
  OK: "DEFAULT",
  SUCCESS: "DEFAULT",
  WARNING: "WARNING",
  WARN: "WARNING",
  ERROR: "ERROR",
  FATAL: "ERROR",
  CRITICAL: "ERROR",
};

const STATUS_ERROR = 2;
const DEFAULT_ENVIRONMENT = "default";

/** Interprets received spans the way a Langfuse v4 server will, noting v3 differences as problems. */
export function interpretSpans(spans: ReceivedSpan[]): LangfuseView {
  const problems = new Problems();
  const byTrace = new Map<string, ReceivedSpan[]>();
  for (const span of spans) {
    const group = byTrace.get(span.traceId) ?? [];
    group.push(span);
    byTrace.set(span.traceId, group);
  }
  const traces = [...byTrace.values()].map((group) => buildTrace(group, problems))
    .sort((a, b) => a.startMs - b.startMs || compare(a.id, b.id));
  const sessions = buildSessions(traces, problems);
  return { traces, sessions, users: buildUsers(traces), problems: problems.list };
}

/** Collects problems, dropping repeats of one message within a trace. */
class Problems {
  readonly list: ViewProblem[] = [];
  readonly #seen = new Set<string>();

  add(message: string, traceId?: string, spanId?: string): void {
    const key = `${traceId ?? ""}\u0000${message}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    const problem: ViewProblem = { message };
    if (traceId !== undefined) problem.traceId = traceId;
    if (spanId !== undefined) problem.spanId = spanId;
    this.list.push(problem);
  }
}

function buildTrace(group: ReceivedSpan[], problems: Problems): ViewTrace {
  const spans = [...group].sort(byStart);
  const traceId = spans[0].traceId;
  const add = (message: string, spanId?: string) => problems.add(message, traceId, spanId);
  const ids = new Set(spans.map((span) => span.spanId));
  const roots = spans.filter((span) => span.parentSpanId === undefined);
  const root = roots[0];
  if (!root) {
    add(
      `Trace has no root span: only ${plural(spans.length, "child span")} arrived, ` +
        `so Langfuse has no trace name, input or output`,
    );
  } else if (roots.length > 1) {
    add(`Trace has ${roots.length} root spans; Langfuse takes the trace from one of them only`);
  }
  // Without a root, the earliest span stands in for trace-level attributes.
  const head = root ?? spans[0];
  const sessionId = sessionOf(head);
  const userId = userOf(head);
  const env = environmentOf(head);

  // Observation problems wait so that every span's problems come out together, in tree order.
  const pending = new Map<string, string[]>();
  const observations = spans.map((span) => {
    const notes: string[] = [];
    pending.set(span.spanId, notes);
    return buildObservation(span, (message) => notes.push(message));
  });
  const byId = new Map(observations.map((obs) => [obs.id, obs]));
  const top: ViewObservation[] = [];
  for (const obs of observations) {
    const parent = obs.parentId !== undefined && ids.has(obs.parentId)
      ? byId.get(obs.parentId)
      : undefined;
    (parent ? parent.children : top).push(obs);
  }
  const spanById = new Map(spans.map((span) => [span.spanId, span]));
  const ordered = orderTree(top, observations);

  for (const obs of ordered) {
    const span = spanById.get(obs.id)!;
    for (const message of pending.get(obs.id) ?? []) add(message, obs.id);
    checkTraceLevel(span, sessionId, userId, add);
    const parent = obs.parentId !== undefined ? byId.get(obs.parentId) : undefined;
    if (parent) checkNesting(obs, parent, add);
  }
  for (const [field, values] of disagreements(spans)) {
    add(
      `Spans of the trace disagree on ${field} (${values.map(quote).join(", ")}); ` +
        `Langfuse v4 keeps the latest non-empty value, so the trace may not show the root's`,
    );
  }

  const startMs = msOf(head.startTimeUnixNano);
  // Spans are in start order; reduce, not spread, so a huge trace cannot overflow the stack.
  const firstMs = msOf(spans[0].startTimeUnixNano);
  const lastMs = spans.reduce((max, span) => Math.max(max, msOf(span.endTimeUnixNano)), firstMs);
  const trace: ViewTrace = {
    id: traceId,
    tags: tagsOf(head, () => {}) ?? [],
    metadata: metadataOf(head),
    environment: env.value,
    startMs,
    durationMs: lastMs - firstMs,
    hasRoot: root !== undefined,
    spanCount: spans.length,
    totalCost: sumCost(observations.map((obs) => obs.cost ?? 0)),
    totalTokens: sum(observations.map((obs) => obs.usage?.total ?? 0)),
    observations: top,
  };
  const name = text(head.attributes[TRACE.name]) ?? (root ? root.name : undefined);
  if (name !== undefined) trace.name = name;
  if (sessionId !== undefined) trace.sessionId = sessionId;
  if (userId !== undefined) trace.userId = userId;
  const version = versionOf(head);
  if (version !== undefined) trace.version = version;
  const release = releaseOf(head);
  if (release !== undefined) trace.release = release;
  if (root) {
    const input = root.attributes[OBSERVATION.input];
    const output = root.attributes[OBSERVATION.output];
    if (input !== undefined && input !== null) trace.input = jsonOrRaw(input);
    if (output !== undefined && output !== null) trace.output = jsonOrRaw(output);
  }
  return trace;
}

/** Sorts every child list by start time and returns the observations in tree order. */
function orderTree(top: ViewObservation[], all: ViewObservation[]): ViewObservation[] {
  const out: ViewObservation[] = [];
  const seen = new Set<ViewObservation>();
  const visit = (list: ViewObservation[]) => {
    list.sort((a, b) => a.startMs - b.startMs || compare(a.id, b.id));
    for (const obs of list) {
      if (seen.has(obs)) continue;
      seen.add(obs);
      out.push(obs);
      visit(obs.children);
    }
  };
  visit(top);
  // Spans whose parents form a cycle are unreachable from the top; show them at the top.
  const stranded = all.filter((obs) => !seen.has(obs));
  if (stranded.length > 0) {
    top.push(...stranded);
    visit(top);
  }
  return out;
}

function checkTraceLevel(
  span: ReceivedSpan,
  rootSession: string | undefined,
  rootUser: string | undefined,
  add: (message: string, spanId?: string) => void,
): void {
  const session = sessionOf(span);
  const user = userOf(span);
  if (session === undefined) {
    add(
      `Span ${quote(span.name)} has no session id; Langfuse cannot group it into a session`,
      span.spanId,
    );
  } else if (rootSession !== undefined && session !== rootSession) {
    add(
      `Span ${quote(span.name)} has session id ${quote(session)} but its trace root has ${
        quote(rootSession)
      }`,
      span.spanId,
    );
  }
  if (user === undefined) {
    add(
      `Span ${quote(span.name)} has no user id; Langfuse cannot attribute it to a user`,
      span.spanId,
    );
  } else if (rootUser !== undefined && user !== rootUser) {
    add(
      `Span ${quote(span.name)} has user id ${quote(user)} but its trace root has ${
        quote(rootUser)
      }`,
      span.spanId,
    );
  }
  tagsOf(span, add);
  const env = environmentOf(span);
  if (env.raw !== undefined && env.value !== env.raw) {
    add(
      env.value === DEFAULT_ENVIRONMENT
        ? `Environment ${quote(env.raw)} will be stored as "default": Langfuse allows only ` +
          `lowercase a-z, 0-9, "_" and "-", at most 40 characters, not starting with "langfuse"`
        : `Environment ${quote(env.raw)} will be stored as ${quote(env.value)}`,
      span.spanId,
    );
  }
}

function checkNesting(
  obs: ViewObservation,
  parent: ViewObservation,
  add: (message: string, spanId?: string) => void,
): void {
  const before = parent.startMs - obs.startMs;
  const after = obs.startMs + obs.durationMs - (parent.startMs + parent.durationMs);
  if (before > 0) {
    add(
      `Span ${quote(obs.name)} starts ${before}ms before its parent ${quote(parent.name)}`,
      obs.id,
    );
  }
  if (after > 0) {
    add(`Span ${quote(obs.name)} ends ${after}ms after its parent ${quote(parent.name)}`, obs.id);
  }
}

/** Trace-level fields whose non-empty values differ between the spans of one trace. */
function disagreements(spans: ReceivedSpan[]): [string, string[]][] {
  const fields: [string, (span: ReceivedSpan) => string | undefined][] = [
    ["environment", (span) => environmentOf(span).value],
    ["version", versionOf],
    ["release", releaseOf],
    ["tags", (span) => {
      const tags = tagsOf(span, () => {});
      return tags && tags.length > 0 ? tags.join(",") : undefined;
    }],
  ];
  const out: [string, string[]][] = [];
  for (const [field, read] of fields) {
    const values = [...new Set(spans.map(read).filter((v): v is string => v !== undefined))];
    if (values.length > 1) out.push([field, values]);
  }
  return out;
}

function buildObservation(span: ReceivedSpan, here: (message: string) => void): ViewObservation {
  const attrs = span.attributes;
  const type = typeOf(span, here);
  const startMs = msOf(span.startTimeUnixNano);
  const obs: ViewObservation = {
    id: span.spanId,
    name: text(attrs[SEMCONV.toolName]) ?? span.name,
    type,
    level: levelOf(span, here),
    startMs,
    durationMs: msOf(span.endTimeUnixNano) - startMs,
    children: [],
  };
  if (span.parentSpanId !== undefined) obs.parentId = span.parentSpanId;
  const statusMessage = text(attrs[OBSERVATION.statusMessage]) ??
    (span.status.message || undefined);
  if (statusMessage !== undefined) obs.statusMessage = statusMessage;

  for (const key of [OBSERVATION.input, OBSERVATION.output]) {
    const value = attrs[key];
    if (typeof value === "string" && value !== "" && parseJson(value) === undefined) {
      here(
        `${quote(key)} of span ${
          quote(span.name)
        } is not valid JSON; Langfuse stores the raw string`,
      );
    }
  }

  const operation = text(attrs[SEMCONV.operationName]);
  if (operation !== undefined && AGENT_OPERATIONS.has(operation)) {
    // Langfuse skips model, usage and cost here: they duplicate the child model call's.
    if (hasUsageOrCost(attrs)) {
      here(
        `Span ${quote(span.name)} has usage or cost but gen_ai.operation.name ${
          quote(operation)
        }; ` +
          `Langfuse ignores its model, usage and cost`,
      );
    }
  } else {
    const model = text(attrs[OBSERVATION.model]) ?? text(attrs[SEMCONV.responseModel]) ??
      text(attrs[SEMCONV.requestModel]);
    if (model !== undefined) obs.model = model;
    const usage = usageOf(span, here);
    if (usage !== undefined) obs.usage = usage;
    const cost = costOf(span, here);
    if (cost !== undefined) obs.cost = cost;
  }

  const completion = attrs[OBSERVATION.completionStartTime];
  if (typeof completion === "string") {
    const ms = Date.parse(completion);
    if (!Number.isNaN(ms)) obs.completionStartMs = ms;
  }

  const prompt = promptOf(span, type, here);
  if (prompt !== undefined) obs.prompt = prompt;
  return obs;
}

function typeOf(span: ReceivedSpan, here: (message: string) => void): ObservationType {
  const attrs = span.attributes;
  const declared = attrs[OBSERVATION.type];
  if (isObservationType(declared)) return declared;
  const inferred = inferType(attrs);
  if (meaningful(declared)) {
    here(
      `Observation type ${quote(show(declared))} of span ${quote(span.name)} is not one of ` +
        `${OBSERVATION_TYPES.join(", ")}; Langfuse uses ${quote(inferred)}`,
    );
  }
  return inferred;
}

function inferType(attrs: Record<string, AttrValue>): ObservationType {
  const operation = attrs[SEMCONV.operationName];
  if (typeof operation === "string" && Object.hasOwn(OPERATION_TYPES, operation)) {
    return OPERATION_TYPES[operation];
  }
  if (meaningful(attrs[SEMCONV.toolName]) || meaningful(attrs[SEMCONV.toolCallId])) return "tool";
  const modelKeys = [OBSERVATION.model, SEMCONV.requestModel, SEMCONV.responseModel];
  if (modelKeys.some((key) => meaningful(attrs[key]))) return "generation";
  return "span";
}

function levelOf(span: ReceivedSpan, here: (message: string) => void): Level {
  const fallback: Level = span.status.code === STATUS_ERROR ? "ERROR" : "DEFAULT";
  const raw = span.attributes[OBSERVATION.level];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw === "string" && (LEVELS as readonly string[]).includes(raw)) return raw as Level;
  const alias = typeof raw === "string" ? LEVEL_ALIASES[raw.trim().toUpperCase()] : undefined;
  here(
    `Level ${quote(show(raw))} of span ${quote(span.name)} is not one of ${LEVELS.join(", ")}; ` +
      (alias ? `Langfuse v4 reads it as ${alias}` : `Langfuse v4 ignores it`) +
      ` and a v3 server drops the observation`,
  );
  return alias ?? fallback;
}

function usageOf(span: ReceivedSpan, here: (message: string) => void): ViewUsage | undefined {
  const attrs = span.attributes;
  const raw = attrs[OBSERVATION.usage];
  let buckets: Record<string, number>;
  if (raw) {
    // A present but unreadable usage_details wins over gen_ai.usage.*: Langfuse records nothing.
    const parsed = typeof raw === "string" ? parseJson(raw) : undefined;
    if (!isPlainObject(parsed)) {
      here(
        `Usage details of span ${
          quote(span.name)
        } are not a JSON object; Langfuse records no usage`,
      );
      return undefined;
    }
    buckets = numbers(parsed);
  } else {
    buckets = {};
    const input = number(attrs[SEMCONV.inputTokens]);
    const output = number(attrs[SEMCONV.outputTokens]);
    const total = number(attrs[SEMCONV.totalTokens]);
    if (input !== undefined) buckets.input = input;
    if (output !== undefined) buckets.output = output;
    if (total !== undefined) buckets.total = total;
  }
  if (Object.keys(buckets).length === 0) return undefined;
  const usage: ViewUsage = {};
  if (buckets.input !== undefined) usage.input = buckets.input;
  if (buckets.output !== undefined) usage.output = buckets.output;
  usage.total = buckets.total ?? sum(Object.values(buckets));
  return usage;
}

function costOf(span: ReceivedSpan, here: (message: string) => void): number | undefined {
  const attrs = span.attributes;
  const raw = attrs[OBSERVATION.cost];
  if (raw) {
    const parsed = typeof raw === "string" ? parseJson(raw) : undefined;
    if (!isPlainObject(parsed)) {
      here(
        `Cost details of span ${quote(span.name)} are not a JSON object; Langfuse records no cost`,
      );
      return undefined;
    }
    const buckets = numbers(parsed);
    if (buckets.total !== undefined) return buckets.total;
    // Without a total, Langfuse adds input and output only when they are the only buckets.
    const keys = Object.keys(buckets);
    if (keys.length > 0 && keys.every((key) => key === "input" || key === "output")) {
      return sum(Object.values(buckets));
    }
    return undefined;
  }
  return number(attrs[SEMCONV.cost]);
}

function promptOf(
  span: ReceivedSpan,
  type: ObservationType,
  here: (message: string) => void,
): ViewObservation["prompt"] {
  const attrs = span.attributes;
  const name = text(attrs[OBSERVATION.promptName]);
  const rawVersion = attrs[OBSERVATION.promptVersion];
  if (name === undefined && (rawVersion === undefined || rawVersion === null)) return undefined;
  if (type !== "generation") {
    here(
      `Prompt link on ${type} ${
        quote(span.name)
      } is ignored; Langfuse links prompts to generations only`,
    );
    return undefined;
  }
  const versionType = span.attributeTypes[OBSERVATION.promptVersion];
  const prompt: ViewObservation["prompt"] = {};
  if (name !== undefined) prompt.name = name;
  if (versionType === "int" && typeof rawVersion === "number") {
    prompt.version = rawVersion;
  } else if (rawVersion === undefined || rawVersion === null) {
    here(
      `Prompt ${quote(name ?? "")} of span ${
        quote(span.name)
      } has no version; Langfuse drops this observation`,
    );
  } else {
    here(
      `Prompt version ${quote(show(rawVersion))} of span ${quote(span.name)} is a ${
        versionType ?? "missing"
      } ` +
        `attribute, not an int; Langfuse drops this observation`,
    );
  }
  return prompt;
}

function hasUsageOrCost(attrs: Record<string, AttrValue>): boolean {
  return Object.keys(attrs).some((key) =>
    key === OBSERVATION.usage || key === OBSERVATION.cost || key.startsWith(SEMCONV.usagePrefix)
  );
}

function sessionOf(span: ReceivedSpan): string | undefined {
  return firstText(span.attributes, [TRACE.sessionId, ...SEMCONV.sessionId]);
}

function userOf(span: ReceivedSpan): string | undefined {
  return firstText(span.attributes, [TRACE.userId, ...SEMCONV.userId]);
}

function versionOf(span: ReceivedSpan): string | undefined {
  return text(span.attributes[TRACE.version]) ?? text(span.resource[SEMCONV.serviceVersion]);
}

function releaseOf(span: ReceivedSpan): string | undefined {
  return text(span.attributes[TRACE.release]) ?? text(span.resource[TRACE.release]);
}

/** The environment as sent (`raw`) and as Langfuse stores it (`value`). */
function environmentOf(span: ReceivedSpan): { raw?: string; value: string } {
  // Key by key, span before resource, as Langfuse's extractEnvironment does.
  for (const key of [TRACE.environment, ...SEMCONV.environment]) {
    for (const source of [span.attributes, span.resource]) {
      const raw = source[key];
      if (!raw) continue;
      if (typeof raw !== "string") return { raw: show(raw), value: DEFAULT_ENVIRONMENT };
      return { raw, value: normalizeEnvironment(raw) };
    }
  }
  return { value: DEFAULT_ENVIRONMENT };
}

/** Lowercases, strips a leading "langfuse" prefix, keeps 40 chars, else "default". */
function normalizeEnvironment(raw: string): string {
  const value = raw.toLowerCase().replace(/^(?:langfuse[-_]?)+/, "").slice(0, 40);
  return /^[a-z0-9_-]+$/.test(value) ? value : DEFAULT_ENVIRONMENT;
}

function tagsOf(
  span: ReceivedSpan,
  add: (message: string, spanId?: string) => void,
): string[] | undefined {
  const raw = span.attributes[TRACE.tags];
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (Array.isArray(raw)) {
    if (!raw.every((tag) => typeof tag === "string")) {
      add(`Tags ${show(raw)} are not all strings; Langfuse converts each to a string`, span.spanId);
    }
    return raw.map((tag) => typeof tag === "string" ? tag : show(tag));
  }
  if (typeof raw === "string") {
    add(
      `Tags sent as a string (${quote(raw)}); Langfuse accepts it, but send a string array`,
      span.spanId,
    );
    if (raw.trim().startsWith("[")) {
      const parsed = parseJson(raw);
      if (Array.isArray(parsed)) {
        return parsed.map((tag) => typeof tag === "string" ? tag : show(tag));
      }
    }
    return raw.includes(",") ? raw.split(",").map((tag) => tag.trim()) : [raw];
  }
  add(`Tags ${show(raw)} are not a string array; Langfuse ignores them`, span.spanId);
  return [];
}

function metadataOf(span: ReceivedSpan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (key.startsWith(TRACE_METADATA_PREFIX) && value !== null) {
      out[key.slice(TRACE_METADATA_PREFIX.length)] = typeof value === "string"
        ? value
        : show(value);
    }
  }
  return out;
}

function buildSessions(traces: ViewTrace[], problems: Problems): ViewSession[] {
  const groups = new Map<string, ViewTrace[]>();
  for (const trace of traces) {
    if (trace.sessionId === undefined) continue;
    const group = groups.get(trace.sessionId) ?? [];
    group.push(trace);
    groups.set(trace.sessionId, group);
  }
  // Traces are already in start order, so each group and the map's order follow it.
  return [...groups].map(([id, group]) => {
    const userIds = [...new Set(group.flatMap((t) => t.userId === undefined ? [] : [t.userId]))]
      .sort(compare);
    if (userIds.length > 1) {
      problems.add(
        `Session ${quote(id)} has traces of ${userIds.length} users (${
          userIds.map(quote).join(", ")
        })`,
      );
    }
    const startMs = group[0].startMs;
    const endMs = group.reduce((max, t) => Math.max(max, t.startMs + t.durationMs), startMs);
    return {
      id,
      userIds,
      traceIds: group.map((t) => t.id),
      startMs,
      durationMs: endMs - startMs,
      spanCount: sum(group.map((t) => t.spanCount)),
      totalCost: sumCost(group.map((t) => t.totalCost)),
      totalTokens: sum(group.map((t) => t.totalTokens)),
    };
  });
}

function buildUsers(traces: ViewTrace[]): ViewUser[] {
  const users = new Map<string, { sessions: Set<string>; traces: ViewTrace[] }>();
  for (const trace of traces) {
    if (trace.userId === undefined) continue;
    const user = users.get(trace.userId) ?? { sessions: new Set<string>(), traces: [] };
    if (trace.sessionId !== undefined) user.sessions.add(trace.sessionId);
    user.traces.push(trace);
    users.set(trace.userId, user);
  }
  return [...users].sort(([a], [b]) => compare(a, b)).map(([id, user]) => ({
    id,
    sessionCount: user.sessions.size,
    traceCount: user.traces.length,
    totalCost: sumCost(user.traces.map((t) => t.totalCost)),
    totalTokens: sum(user.traces.map((t) => t.totalTokens)),
  }));
}

// --- small helpers ---

function byStart(a: ReceivedSpan, b: ReceivedSpan): number {
  const diff = a.startTimeUnixNano - b.startTimeUnixNano;
  return diff < 0n ? -1 : diff > 0n ? 1 : compare(a.spanId, b.spanId);
}

/** Epoch nanoseconds to whole milliseconds, the precision Langfuse keeps. */
function msOf(nanos: bigint): number {
  return Number(nanos / 1_000_000n);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sum(values: number[]): number {
  return values.reduce((acc, value) => acc + value, 0);
}

/** Sums USD amounts, rounded to 1e-12 so float noise (0.30000000000000004) does not show. */
function sumCost(values: number[]): number {
  return Math.round(sum(values) * 1e12) / 1e12;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

function isObservationType(value: AttrValue | undefined): value is ObservationType {
  return typeof value === "string" && (OBSERVATION_TYPES as readonly string[]).includes(value);
}

/** Not null, not empty string, not an empty array or object (Langfuse's "meaningful"). */
function meaningful(value: AttrValue | undefined): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.keys(value).length > 0;
  }
  return true;
}

/** A value as Langfuse turns an id into a string: falsy is absent, non-strings become JSON. */
function text(value: AttrValue | undefined): string | undefined {
  if (!value) return undefined;
  return typeof value === "string" ? value : show(value);
}

function firstText(attrs: Record<string, AttrValue>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = text(attrs[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function number(value: AttrValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  return undefined;
}

function numbers(object: { [key: string]: Json }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === "number") out[key] = value;
  }
  return out;
}

function show(value: AttrValue): string {
  return typeof value === "string" ? value : JSON.stringify(toJson(value));
}

function toJson(value: AttrValue): Json {
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
  }
  return value;
}

function parseJson(raw: string): Json | undefined {
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: Json | undefined): value is { [key: string]: Json } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function jsonOrRaw(value: AttrValue): Json {
  if (typeof value !== "string") return toJson(value);
  return parseJson(value) ?? value;
}
