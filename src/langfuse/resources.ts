/**
 * Makes a run's resources exist in Langfuse before its first span, idempotently: each declared
 * prompt is looked up (its declared labels, then `latest`, then older versions newest first,
 * at most {@link MAX_VERSIONS_SEARCHED}) and created only when no version has its content
 * (every create is a new version, numbered by Langfuse); each pinned `{ name, version }` must
 * exist; score configs are listed once and only the missing ones created. What to reuse and
 * what to create is decided by the pure `src/plan/resources.ts`.
 *
 * @example
 * ```ts
 * const { resources, links } = await ensureResources(client, resourceNeeds(scripts));
 * const linked = plans.map((plan) => linkSession(plan, links));
 * ```
 */
import {
  chooseScoreConfig,
  createPromptBody,
  type PromptBody,
  type ResourceLinks,
  type ResourceNeeds,
  type RunResources,
  samePromptContent,
  type ScoreConfigBody,
  type StoredPrompt,
  type StoredScoreConfig,
  versionsToSearch,
} from "../plan/resources.ts";
import { LangfuseApiError } from "./api_error.ts";

/** Most versions of one prompt read when looking for the declared content (prompts have no rate limit). */
export const MAX_VERSIONS_SEARCHED = 50;

/** The client methods resources need (`LangfuseClient` has them). */
export interface ResourceClient {
  getPrompt(
    name: string,
    select?: { version?: number; label?: string },
  ): Promise<StoredPrompt | undefined>;
  createPrompt(body: PromptBody): Promise<StoredPrompt>;
  allScoreConfigs(): Promise<StoredScoreConfig[]>;
  createScoreConfig(body: ScoreConfigBody): Promise<StoredScoreConfig>;
}

/** A resource that cannot be made to exist (not an API error: a missing pin, a misfit config). */
export class ResourceError extends Error {
  override readonly name = "ResourceError";
}

/** What {@link ensureResources} made sure of. */
export interface EnsuredResources {
  /** For the manifest: every prompt version and config the run uses, and whether it was created. */
  resources: RunResources;
  /** For the plans: declared prompt name -> version, score name -> config id. */
  links: ResourceLinks;
}

/**
 * Ensures the needs exist; throws ResourceError (Langfuse refused, with its reason and the
 * resource it was for; a pinned version is missing; only misfit score configs exist).
 */
export async function ensureResources(
  client: ResourceClient,
  needs: ResourceNeeds,
): Promise<EnsuredResources> {
  const prompts: RunResources["prompts"] = [];
  const promptLinks: Record<string, number> = {};
  for (const spec of needs.prompts) {
    const found = await withResource(`prompt "${spec.name}"`, () => findPrompt(client, spec));
    const version = found ??
      await withResource(
        `prompt "${spec.name}" (${spec.place})`,
        () => client.createPrompt(createPromptBody(spec)),
      );
    promptLinks[spec.name] = version.version;
    prompts.push({
      name: version.name,
      version: version.version,
      id: version.id,
      labels: version.labels,
      created: found === undefined,
    });
  }
  for (const pin of needs.pinned) {
    const version = await withResource(
      `prompt "${pin.name}" version ${pin.version}`,
      () => client.getPrompt(pin.name, { version: pin.version }),
    );
    if (version === undefined) {
      throw new ResourceError(
        `prompt "${pin.name}" version ${pin.version} (${pin.place}) does not exist in the ` +
          "Langfuse project, so its generations would never link to it: declare the prompt " +
          `under prompts: and name it (prompt: ${pin.name}), or give a version that exists`,
      );
    }
    prompts.push({
      name: version.name,
      version: version.version,
      id: version.id,
      labels: version.labels,
      created: false,
    });
  }

  const scoreConfigs: RunResources["scoreConfigs"] = [];
  const configLinks: Record<string, string> = {};
  if (needs.scoreConfigs.length > 0) {
    const existing = await withResource("score configs", () => client.allScoreConfigs());
    for (const spec of needs.scoreConfigs) {
      const choice = chooseScoreConfig(spec, existing);
      if (choice.kind === "conflict") throw new ResourceError(choice.message);
      const config = choice.kind === "reuse" ? choice.config : await withResource(
        `score config "${spec.name}" (${spec.place})`,
        () => client.createScoreConfig(choice.body),
      );
      configLinks[spec.name] = config.id;
      scoreConfigs.push({
        name: config.name,
        id: config.id,
        dataType: config.dataType,
        created: choice.kind === "create",
      });
    }
  }
  return {
    resources: { prompts, scoreConfigs },
    links: { prompts: promptLinks, scoreConfigs: configLinks },
  };
}

/** The stored version with the declared content, if any. */
async function findPrompt(
  client: ResourceClient,
  spec: ResourceNeeds["prompts"][number],
): Promise<StoredPrompt | undefined> {
  const seen = new Set<number>();
  let latest: number | undefined;
  for (const label of [...new Set([...spec.labels, "latest"])]) {
    const version = await client.getPrompt(spec.name, { label });
    if (version === undefined) continue;
    if (samePromptContent(spec, version)) return version;
    seen.add(version.version);
    if (label === "latest") latest = version.version;
  }
  // No `latest`: the name has no version yet.
  if (latest === undefined) return undefined;
  for (const number of versionsToSearch(latest, MAX_VERSIONS_SEARCHED)) {
    if (seen.has(number)) continue;
    const version = await client.getPrompt(spec.name, { version: number });
    if (version !== undefined && samePromptContent(spec, version)) return version;
  }
  return undefined;
}

/** Runs a request; a refusal becomes a ResourceError naming the resource and Langfuse's reason. */
async function withResource<T>(resource: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!(error instanceof LangfuseApiError)) throw error;
    throw new ResourceError(`${resource}: ${error.message}`, { cause: error });
  }
}
