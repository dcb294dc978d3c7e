import { moodFromEmotionalState, scoreBand } from "./PromptContext.js"
import type { EnrichmentOutcome } from "./PromptEnrichment.js"
import type { LivePrompt } from "./PromptLive.js"
import { eventsToTell, type PromptPlatform, promptLimits } from "./PromptTemplate.js"
import type { LoadedPromptState, MemorySource } from "./LoadedPromptState.js"

/** What went into a prompt, stored next to it (`ready_prompts.context_snapshot`) for debugging. */
export interface PromptContextSnapshot {
  readonly platform: PromptPlatform
  readonly built_for: string
  readonly conversation_id: string | null
  readonly time_zone: string
  readonly chapter: number
  readonly game_status: string
  readonly relationship_score: number
  readonly score_band: string
  readonly engagement_state: string
  readonly conflict_zone: string
  readonly emotional_state: { readonly arousal: number; readonly valence: number; readonly dominance: number; readonly intimacy: number }
  readonly mood: ReadonlyArray<string>
  readonly life_events: ReadonlyArray<string>
  readonly memory: {
    readonly source: MemorySource
    readonly query: string
    readonly fact_ids: ReadonlyArray<string>
    readonly items_removed_for_budget: number
  }
  readonly summary_conversation_ids: ReadonlyArray<string>
  readonly open_threads: number
  readonly thoughts: number
  readonly last_contact_at: string | null
  readonly budget: number
  readonly dropped: { readonly chapter_behaviour: boolean; readonly inner_life: boolean; readonly truncated: boolean }
  readonly enrichment: EnrichmentOutcome
  /** What a read renders the prompt from (`PromptLive.ts`). */
  readonly live: typeof LivePrompt.Encoded
}

export interface PromptFitting {
  readonly budget: number
  readonly memoryItemsRemoved: number
  readonly droppedChapterBehaviour: boolean
  readonly droppedInnerLife: boolean
  readonly truncated: boolean
}

/** The snapshot of a built prompt: the state it was rendered from and what fitting and enrichment did. */
export const promptSnapshot = (
  loaded: LoadedPromptState,
  conversationId: string | null,
  fitting: PromptFitting,
  enrichment: EnrichmentOutcome,
  live: typeof LivePrompt.Encoded
): PromptContextSnapshot => {
  const { state } = loaded
  const limits = promptLimits[state.platform]
  const rendered = state.memory.slice(0, limits.memory)
  return {
    platform: state.platform,
    built_for: state.now.toISOString(),
    conversation_id: conversationId,
    time_zone: state.timeZone,
    chapter: state.chapter,
    game_status: state.gameStatus,
    relationship_score: state.relationshipScore,
    score_band: scoreBand(state.relationshipScore),
    engagement_state: state.engagementState,
    conflict_zone: state.conflictZone,
    emotional_state: state.emotionalState,
    mood: moodFromEmotionalState(state.emotionalState),
    life_events: eventsToTell(state.lifeEvents, limits.lifeEvents).map((event) => event.description),
    memory: {
      source: loaded.memorySource,
      query: loaded.memoryQuery,
      fact_ids: rendered.slice(0, rendered.length - fitting.memoryItemsRemoved).map((fact) => fact.id),
      items_removed_for_budget: fitting.memoryItemsRemoved
    },
    summary_conversation_ids: loaded.summaryConversationIds,
    open_threads: Math.min(state.openThreads.length, limits.threads),
    thoughts: Math.min(state.thoughts.length, limits.thoughts),
    last_contact_at: state.lastContactAt?.toISOString() ?? null,
    budget: fitting.budget,
    dropped: {
      chapter_behaviour: fitting.droppedChapterBehaviour,
      inner_life: fitting.droppedInnerLife,
      truncated: fitting.truncated
    },
    enrichment,
    live
  }
}
