/**
 * The fake Langfuse's `/api/public/projects`, as Langfuse v4.16.0 answers a project-scoped key
 * (`web/src/pages/api/public/projects/index.ts`): 405 for methods other than GET and POST,
 * checked before the key; GET answers the key's one project; POST needs an organisation key,
 * so it is 403. Langfuse does not rate-limit this route. Private to the folder.
 */
import { HttpAnswer } from "./reads.ts";
import type { ProjectsResponse } from "../../src/langfuse/api_projects.ts";

/** The organisation of the fake's project: a cuid, as Langfuse's are. */
const FAKE_ORGANIZATION_ID = "cmfakeorg00001ab12c3d4e5f";

/** The route's path. */
export const PROJECTS_PATH = "/api/public/projects";

/** The project the fake's keys belong to. */
export interface FakeProject {
  id: string;
  name: string;
}

/** The 405 Langfuse answers before it checks the key. */
export function checkProjectsMethod(method: string): void {
  if (method !== "GET" && method !== "POST") throw new HttpAnswer(405, "Method not allowed");
}

/** The answer to an authorised request. */
export function projectsAnswer(method: string, project: FakeProject): ProjectsResponse {
  if (method !== "GET") {
    throw new HttpAnswer(
      403,
      "Invalid API key. Organization-scoped API key required for this operation.",
    );
  }
  return {
    data: [{
      id: project.id,
      name: project.name,
      organization: { id: FAKE_ORGANIZATION_ID, name: "Fake Org" },
      metadata: {},
    }],
  };
}
