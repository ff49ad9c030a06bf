/**
 * Reading reviewers' annotation scores back for a run's annotation queues, as grading needs
 * them: every score with source ANNOTATION made from those queues, with its author, name, value
 * and the object it is on. v4 servers: `GET /api/public/v3/scores?queueId=…&source=ANNOTATION&
 * fields=core,subject,annotation`, following cursors (queue ids comma-joined, a few at a time);
 * v3 servers: `GET /api/public/v2/scores?queueId=…&source=ANNOTATION` per queue, every page
 * (v2 has no author filter; the author is on each row).
 *
 * @example
 * ```ts
 * const scores = await readReviewerScores(client, await client.detectGeneration(), ["cm7r0b4…"]);
 * ```
 */
import type { ReviewerScore } from "../report/grade.ts";
import type { ScoreV2, ScoreV3 } from "./api_types.ts";
import type { LangfuseClient, LangfuseGeneration } from "./client.ts";

/** Queue ids per v3 request, to keep the URL short. */
const QUEUES_PER_REQUEST = 20;

/** Every ANNOTATION score made from the given queues; throws LangfuseApiError on failure. */
export async function readReviewerScores(
  client: LangfuseClient,
  generation: LangfuseGeneration,
  queueIds: readonly string[],
): Promise<ReviewerScore[]> {
  const queues = [...new Set(queueIds)];
  const out: ReviewerScore[] = [];
  if (generation === "v4") {
    for (let at = 0; at < queues.length; at += QUEUES_PER_REQUEST) {
      const rows = await client.allScoresV3({
        queueIds: queues.slice(at, at + QUEUES_PER_REQUEST),
        sources: ["ANNOTATION"],
        fields: ["core", "subject", "annotation"],
      });
      out.push(...rows.flatMap(fromV3));
    }
    return out;
  }
  for (const queueId of queues) {
    const rows = await client.allScoresV2({ queueId, source: "ANNOTATION" });
    out.push(...rows.flatMap(fromV2));
  }
  return out;
}

/** A v3 row as grading reads it; none when it has no subject. */
export function fromV3(row: ScoreV3): ReviewerScore[] {
  if (row.subject === undefined) return [];
  const objectType = ({
    trace: "TRACE",
    session: "SESSION",
    observation: "OBSERVATION",
    experiment: "EXPERIMENT",
  } as const)[row.subject.kind];
  if (objectType === undefined) return [];
  return [{
    id: row.id,
    reviewer: row.authorUserId ?? null,
    name: row.name,
    objectType,
    objectId: row.subject.id,
    value: row.value,
    timestamp: row.timestamp,
  }];
}

/** A v2 row as grading reads it: the object is the most specific id it carries. */
export function fromV2(row: ScoreV2): ReviewerScore[] {
  const [objectType, objectId] = row.datasetRunId
    ? ["EXPERIMENT" as const, row.datasetRunId]
    : row.observationId
    ? ["OBSERVATION" as const, row.observationId]
    : row.sessionId
    ? ["SESSION" as const, row.sessionId]
    : row.traceId
    ? ["TRACE" as const, row.traceId]
    : [undefined, undefined];
  if (objectType === undefined) return [];
  const value = row.dataType === "CATEGORICAL" || row.dataType === "TEXT"
    ? row.stringValue ?? ""
    : row.value ?? 0;
  return [{
    id: row.id,
    reviewer: row.authorUserId,
    name: row.name,
    objectType,
    objectId,
    value,
    timestamp: row.timestamp,
  }];
}
