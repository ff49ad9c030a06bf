/**
 * The shape of `GET /api/public/projects`, as Langfuse v4.16.0 defines it
 * (`fern/apis/server/definition/projects.yml`: `Projects`, `Project`, `Organization`) and its
 * handler puts it on the wire (`web/src/pages/api/public/projects/index.ts`): with a
 * project-scoped key, a list holding that one project; an organisation key gets 403.
 */

/** The organisation a project belongs to. */
export interface ApiOrganization {
  id: string;
  name: string;
}

/** One Langfuse project. */
export interface ApiProject {
  id: string;
  name: string;
  organization: ApiOrganization;
  /** `{}` when the project has none. */
  metadata: Record<string, unknown>;
  /** Left out when no retention is configured (null or 0). */
  retentionDays?: number;
}

/** The answer of `GET /api/public/projects`. */
export interface ProjectsResponse {
  data: ApiProject[];
}
