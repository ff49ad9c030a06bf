/**
 * Holds the fake Langfuse's answers to the answers of real Langfuse recorded in
 * fixtures/langfuse/: the recorded status, and the shape by {@link shapeDiff} with what
 * Langfuse v4.16.0's response schemas say may be null or left out.
 */
import { callFake, langfuseFixture } from "../langfuse.ts";
import type { FakeLangfuse } from "./server.ts";
import { shapeDiff, type ShapeOptions } from "../shape_diff.ts";

/** Fields Langfuse types as string-keyed maps or as any JSON. */
const SHAPES: ShapeOptions = {
  maps: new Set(["metadata", "usageDetails", "costDetails"]),
  // `modelParameters` is a map of string, number, boolean or list values (Fern `MapValue`).
  free: new Set(["input", "output", "config", "lastConfig", "modelParameters"]),
};

/** `$.data[].<name>` for each name. */
const rows = (...names: string[]) => names.map((name) => `$.data[].${name}`);

/**
 * Fields Langfuse v4.16.0's response schemas declare nullable that a fixture shows set; a
 * value may be null there (elsewhere only where the fixture has null).
 */
const NULLABLE: Record<string, readonly string[]> = {
  // APIObservation, web/src/features/public-api/types/observations.ts
  "observations_v1.json": rows(
    "traceId",
    "parentObservationId",
    "name",
    "endTime",
    "version",
    "release",
    "statusMessage",
    "model",
    "completionStartTime",
    "promptId",
    "promptName",
    "promptVersion",
    "unit",
    "usage.unit",
    "usagePricingTierName",
    "usagePricingTierId",
    "modelId",
    "inputPrice",
    "outputPrice",
    "totalPrice",
    "calculatedInputCost",
    "calculatedOutputCost",
    "calculatedTotalCost",
    "latency",
    "timeToFirstToken",
  ),
  // APIObservationV2, same file (`model` is Fern's `providedModelName`)
  "observations_v2.json": rows(
    "traceId",
    "endTime",
    "parentObservationId",
    "name",
    "statusMessage",
    "version",
    "environment",
    "userId",
    "sessionId",
    "completionStartTime",
    "model",
    "internalModelId",
    "totalCost",
    "usagePricingTierName",
    "promptId",
    "promptName",
    "promptVersion",
    "latency",
    "timeToFirstToken",
    "modelId",
    "inputPrice",
    "outputPrice",
    "totalPrice",
    "traceName",
    "tags",
    "release",
  ),
  // APITrace and APIExtendedTrace, web/src/features/public-api/types/traces.ts
  "traces_v3.json": rows(
    "externalId",
    "name",
    "userId",
    "release",
    "version",
    "sessionId",
    "observations",
    "scores",
    "totalCost",
    "latency",
  ),
  "session_v3.json": ["externalId", "name", "userId", "release", "version", "sessionId"].map(
    (name) => `$.traces[].${name}`,
  ),
  // packages/shared/src/domain/scores.ts ScoreSchemaExclReferencesAndDates, NumericData;
  // packages/shared/src/features/scores/interfaces/api/v2/{schemas,endpoints}.ts
  "scores_v2.json": rows(
    "authorUserId",
    "comment",
    "configId",
    "queueId",
    "executionTraceId",
    "traceId",
    "observationId",
    "sessionId",
    "datasetRunId",
    "stringValue",
    "trace",
    "trace.userId",
    "trace.tags",
    "trace.environment",
    "trace.sessionId",
  ),
  // ScoreFoundationSchemaV3, packages/shared/src/features/scores/interfaces/api/v3/schemas.ts
  "scores_v3.json": rows("comment", "configId", "authorUserId", "queueId"),
  "review/scores_v3_annotation.json": rows("comment", "configId", "authorUserId", "queueId"),
};

/** Keys the fixtures' README documents as left out at times. */
const OPTIONAL: Record<string, readonly string[]> = {
  // `cursor` is left out on the last page (review/README.md rule 35).
  "scores_v3.json": ["$.meta.cursor"],
  "observations_v2.json": ["$.meta.cursor"],
  // `retentionDays` is left out when null or 0 (README.md, projects.json).
  "projects.json": ["$.data[].retentionDays"],
};

/** A status and a parsed body, as `callFake` answers. */
export interface Answer {
  status: number;
  body: unknown;
}

/** A recorded answer: `fixtures/langfuse/<fixture>`, answered with `status`. */
export interface Recording {
  fixture: string;
  status: number;
}

/** A request to the fake and the recording its answer is held to. */
export interface Exchange extends Recording {
  method: string;
  /** Path and query. */
  path: string;
  /** JSON body, if any. */
  body?: unknown;
}

/** Collects the differences of the fake's answers from their recordings. */
export class Contract {
  readonly differences: string[] = [];

  constructor(private readonly fake: FakeLangfuse) {}

  /** Sends the request, checks the answer (see {@link check}); answers the body. */
  async call(exchange: Exchange): Promise<Record<string, unknown>> {
    const answer = await callFake(this.fake, exchange.method, exchange.path, exchange.body);
    await this.check(answer, exchange);
    return answer.body as Record<string, unknown>;
  }

  /** Compares one answer with its recording: status, and shape by {@link shapeDiff}. */
  async check(answer: Answer, { fixture, status }: Recording): Promise<void> {
    if (answer.status !== status) {
      this.differences.push(`${fixture}: status ${answer.status} where Langfuse answers ${status}`);
    }
    const recorded = await langfuseFixture(fixture);
    if (rowsOf(recorded) > 0 && rowsOf(answer.body) === 0) {
      this.differences.push(`${fixture}: no rows to compare with the recorded ones`);
    }
    const found = shapeDiff(answer.body, recorded, {
      ...SHAPES,
      optional: new Set(OPTIONAL[fixture] ?? []),
      nullable: new Set(NULLABLE[fixture] ?? []),
    });
    this.differences.push(...found.map((difference) => `${fixture}: ${difference}`));
  }
}

/** How many rows a page's `data` holds (0 when it is no page). */
function rowsOf(body: unknown): number {
  const data = (body as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data.length : 0;
}
