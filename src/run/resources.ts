/**
 * The one call `replay` and `load` make before sending: works out the prompts and score
 * configs the scripts need and, for the langfuse target, makes them exist (reused when they
 * do, created when not) and returns the links the plans get. Other targets make no API call:
 * a generation naming a declared prompt then carries no prompt link (its version is only
 * known once Langfuse has it), `{ name, version }` links are sent as written, and scores
 * carry no config.
 */
import type { Target } from "../export/target.ts";
import { ensureResources, ResourceError } from "../langfuse/resources.ts";
import {
  NO_LINKS,
  ResourceConflictError,
  type ResourceLinks,
  resourceNeeds,
  type RunResources,
  type ScoreConfigSpec,
  type ScriptSource,
} from "../plan/resources.ts";
import { CliError, EXIT } from "./exit_codes.ts";
import type { RunLangfuse } from "./langfuse_access.ts";

/** What a run sends with: the links for its plans, and the manifest's `resources`. */
export interface PreparedResources {
  links: ResourceLinks;
  /** Langfuse targets with anything to make sure of. */
  resources?: RunResources;
  /**
   * Non-Langfuse targets with declared prompts: one summary line on why their generations are
   * not linked, printed after the run's summary.
   */
  note?: string;
}

/** Where a run makes sure of its resources. */
export interface ResourcesOptions {
  target: Target;
  /** The run's Langfuse access (one client for the run). */
  langfuse: RunLangfuse;
  /** The review layer's review-only score configs (`reviewScoreConfigs`); default none. */
  reviewConfigs?: readonly ScoreConfigSpec[];
}

/**
 * Prepares the run's resources; throws CliError 3 when two scripts declare one prompt or score
 * differently, and 6 when Langfuse refuses one or a pinned prompt version is missing
 * (nothing has been sent then).
 */
export async function prepareResources(
  scripts: readonly ScriptSource[],
  { target, langfuse, reviewConfigs = [] }: ResourcesOptions,
): Promise<PreparedResources> {
  let needs;
  try {
    needs = resourceNeeds(scripts);
  } catch (error) {
    if (!(error instanceof ResourceConflictError)) throw error;
    throw new CliError(`${error.message}\nNothing was sent.`, EXIT.invalidScript);
  }
  // Review-only configs (the review layer's, which no score sends) are made sure of too.
  const named = new Set(needs.scoreConfigs.map((c) => c.name));
  needs.scoreConfigs.push(...reviewConfigs.filter((c) => !named.has(c.name)));
  if (!target.langfuseApi) {
    if (needs.prompts.length === 0) return { links: NO_LINKS };
    const names = needs.prompts.map((p) => p.name).join(", ");
    return {
      links: NO_LINKS,
      note: `  prompts   ${names}: not linked here (Langfuse numbers their versions; ` +
        "the langfuse target creates them and links every generation)",
    };
  }
  const empty = needs.prompts.length + needs.pinned.length + needs.scoreConfigs.length === 0;
  if (empty) return { links: NO_LINKS };
  try {
    const ensured = await ensureResources(langfuse.client, needs);
    return { links: ensured.links, resources: ensured.resources };
  } catch (error) {
    if (!(error instanceof ResourceError)) throw error;
    throw new CliError(
      `Resources: ${error.message}\nNothing was sent (prompts and score configs come first).`,
      EXIT.langfuseApi,
    );
  }
}
