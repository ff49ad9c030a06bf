/**
 * What the fake Langfuse's review routes (prompts, score configs, queues and items, comments)
 * keep, owned by startFakeLangfuse and handed to each handler. Private to the folder.
 */
import type {
  AnnotationObjectType,
  ApiAnnotationQueue,
  ApiAnnotationQueueItem,
  ApiComment,
  ApiPrompt,
  ApiScoreConfig,
} from "../../src/langfuse/api_review_types.ts";
import type { CreateScoreRequest } from "../../src/langfuse/api_types.ts";

/** The key's plan: `cloud:hobby` caps a project at one annotation queue; `oss` has no cap. */
export type FakePlan = "cloud:hobby" | "oss";

/** A score the ingestion worker dropped because it did not fit its config (rule 34). */
export interface DroppedScore {
  score: CreateScoreRequest & { id: string };
  reason: string;
}

/** A queue assignment: a project member who may work a queue. */
export interface QueueAssignment {
  userId: string;
  projectId: string;
  queueId: string;
}

/** The review side's state. */
export interface ReviewState {
  projectId: string;
  plan: FakePlan;
  /** User ids of the project organisation's members (authors of comments, assignees). */
  members: ReadonlySet<string>;
  now: () => number;
  /** Every prompt version, in creation order (GET adds `resolutionGraph` and `isActive`). */
  prompts: ApiPrompt[];
  scoreConfigs: ApiScoreConfig[];
  queues: ApiAnnotationQueue[];
  items: ApiAnnotationQueueItem[];
  assignments: QueueAssignment[];
  comments: ApiComment[];
  dropped: DroppedScore[];
  /** Whether Langfuse can read the object now (ingested and visible). */
  sees(type: AnnotationObjectType, id: string): boolean;
}

/** An empty state. */
export function newReviewState(
  facts: Pick<ReviewState, "projectId" | "plan" | "members" | "now" | "sees">,
): ReviewState {
  return {
    ...facts,
    prompts: [],
    scoreConfigs: [],
    queues: [],
    items: [],
    assignments: [],
    comments: [],
    dropped: [],
  };
}
