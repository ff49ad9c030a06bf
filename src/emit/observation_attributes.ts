/** Maps a planned observation onto Langfuse span attributes, in the forms the contract gives. */
import type { Attributes } from "@opentelemetry/api";
import type { Json, ObservationPlan } from "../plan/types.ts";
import { OBSERVATION, OBSERVATION_METADATA_PREFIX, TRACE } from "./attributes.ts";

/** The attributes of one observation's span; trace input/output only on the root. */
export function observationAttributes(obs: ObservationPlan, isRoot: boolean): Attributes {
  const attributes: Attributes = { [OBSERVATION.type]: obs.type };
  if (obs.level) attributes[OBSERVATION.level] = obs.level;
  if (obs.statusMessage) attributes[OBSERVATION.statusMessage] = obs.statusMessage;
  const input = obs.input === undefined ? undefined : json(obs.input);
  const output = obs.output === undefined ? undefined : json(obs.output);
  if (input !== undefined) attributes[OBSERVATION.input] = input;
  if (output !== undefined) attributes[OBSERVATION.output] = output;
  if (isRoot) {
    if (input !== undefined) attributes[TRACE.input] = input;
    if (output !== undefined) attributes[TRACE.output] = output;
  }
  for (const [key, value] of Object.entries(obs.metadata ?? {})) {
    attributes[OBSERVATION_METADATA_PREFIX + key] = value;
  }
  if (obs.model) attributes[OBSERVATION.model] = obs.model;
  if (obs.modelParameters) attributes[OBSERVATION.modelParameters] = json(obs.modelParameters);
  // Every usage type as its own key, as Langfuse maps usage_details and prices them.
  if (obs.usage) attributes[OBSERVATION.usage] = JSON.stringify(obs.usage);
  if (obs.cost) attributes[OBSERVATION.cost] = JSON.stringify(obs.cost);
  if (obs.completionStartMs !== undefined) {
    attributes[OBSERVATION.completionStartTime] = new Date(obs.completionStartMs).toISOString();
  }
  if (obs.prompt) {
    attributes[OBSERVATION.promptName] = obs.prompt.name;
    // An integer number becomes an OTLP intValue; Langfuse drops a string version.
    attributes[OBSERVATION.promptVersion] = Math.trunc(obs.prompt.version);
  }
  return attributes;
}

function json(value: Json): string {
  return JSON.stringify(value);
}
