import { Data } from "effect"
import type { PromptMemoryFact, PromptState } from "./PromptTemplate.js"

/**
 * What a prompt is built from, as loaded for one player, platform and moment (the pipeline's
 * `PromptInputs` reads it from the feature repositories).
 */

/** The prompt was asked for a player who does not exist (the on-demand endpoint answers 404). */
export class UnknownPromptUser extends Data.TaggedError("UnknownPromptUser")<{
  readonly userId: string
  readonly message: string
}> {}

/**
 * Where the memory section's facts came from: a vector search, that search padded with the
 * newest facts (facts whose embedding is still missing are unsearchable until the backfill), or
 * the newest facts alone when there was nothing to search with.
 */
export type MemorySource = "search" | "search_and_recent" | "recent" | "none"

export interface LoadedPromptState {
  readonly state: PromptState
  readonly memorySource: MemorySource
  readonly memoryQuery: string
  readonly summaryConversationIds: ReadonlyArray<string>
}

/** Topics of the memory query besides the summary: enough to steer the search, not to blur it. */
export const QUERY_THREADS = 3

/** Search hits first (most relevant first), then the newest facts not already found. */
export const padWithRecent = (
  found: ReadonlyArray<PromptMemoryFact>,
  recent: ReadonlyArray<PromptMemoryFact>,
  limit: number
): ReadonlyArray<PromptMemoryFact> => {
  const seen = new Set(found.map((fact) => fact.id))
  return [...found, ...recent.filter((fact) => !seen.has(fact.id))].slice(0, limit)
}
