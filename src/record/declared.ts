/**
 * The `vocabulary:` section of a recorded script: recorded workflows, turn kinds, outcomes and
 * usage types beyond the defaults, each kept when it is a value a script may declare (a short
 * slug holding nothing personal) and the vocabulary has room for it. Pure.
 */
import { isDeclarable } from "../script/schema_vocabulary.ts";
import {
  MAX_DECLARED_VALUES,
  OPEN_VOCABULARIES,
  type OpenVocabulary,
} from "../script/vocabulary.ts";

/** The values a recording declares, in the order first met. */
export class DeclaredVocabulary {
  readonly #declared: Record<OpenVocabulary, string[]> = {
    workflows: [],
    turnKinds: [],
    outcomes: [],
    usageTypes: [],
  };

  /**
   * Whether a recorded value can be written into the script: a default, declared already, or
   * declarable now (`clean` also holds: it looks like no recorded id or personal data), in which
   * case it is declared.
   */
  accept(name: OpenVocabulary, value: unknown, clean: (text: string) => boolean): value is string {
    if (typeof value !== "string") return false;
    const declared = this.#declared[name];
    if ((OPEN_VOCABULARIES[name] as readonly string[]).includes(value)) return true;
    if (declared.includes(value)) return true;
    if (!isDeclarable(name, value) || !clean(value) || declared.length >= MAX_DECLARED_VALUES) {
      return false;
    }
    declared.push(value);
    return true;
  }

  /** The section to write, or undefined when nothing beyond the defaults was met. */
  section(): Partial<Record<OpenVocabulary, string[]>> | undefined {
    const lists = Object.entries(this.#declared).filter(([, values]) => values.length > 0);
    return lists.length > 0 ? Object.fromEntries(lists) : undefined;
  }
}
