import { Data, Effect, Option } from "effect"
import { localDate } from "../game/LocalTime.js"
import { type PromptMemoryFact, type PromptPlatform, promptLimits, type PromptState } from "./PromptTemplate.js"
import { ConversationSummaryRepository } from "../conversation/ConversationSummaryRepository.js"
import { LifeEventRepository } from "../nikita/LifeEventRepository.js"
import { MemoryRepository } from "../memory/MemoryRepository.js"
import { ThoughtRepository } from "../memory/ThoughtRepository.js"
import { ThreadRepository } from "../memory/ThreadRepository.js"
import { UserRepository } from "../player/UserRepository.js"

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
const QUERY_THREADS = 3

/** Search hits first (most relevant first), then the newest facts not already found. */
const padWithRecent = (
  found: ReadonlyArray<PromptMemoryFact>,
  recent: ReadonlyArray<PromptMemoryFact>,
  limit: number
): ReadonlyArray<PromptMemoryFact> => {
  const seen = new Set(found.map((fact) => fact.id))
  return [...found, ...recent.filter((fact) => !seen.has(fact.id))].slice(0, limit)
}

/** Reads everything a prompt is built from, for one player, platform and moment. */
export class PromptStateLoader extends Effect.Service<PromptStateLoader>()("aftertalk/PromptStateLoader", {
  effect: Effect.gen(function*() {
    const users = yield* UserRepository
    const lifeEvents = yield* LifeEventRepository
    const summaries = yield* ConversationSummaryRepository
    const threads = yield* ThreadRepository
    const thoughts = yield* ThoughtRepository
    const memory = yield* MemoryRepository

    /**
     * The memory query is the conversation's summary (the latest summary without a conversation)
     * plus the newest open threads: what the next conversation most likely picks up.
     */
    const memoryFor = (userId: string, query: string, limit: number) =>
      Effect.gen(function*() {
        const found = query === "" ? [] : yield* memory.searchText({ userId, query, limit })
        if (found.length >= limit) return { facts: found, source: "search" as const }
        const recent = yield* memory.recent({ userId, limit })
        const facts = padWithRecent(found, recent, limit)
        const source: MemorySource = facts.length === 0
          ? "none"
          : found.length === 0
          ? "recent"
          : facts.length > found.length
          ? "search_and_recent"
          : "search"
        return { facts, source }
      })

    const load = Effect.fn("PromptStateLoader.load")(function*(request: {
      readonly userId: string
      readonly platform: PromptPlatform
      readonly conversationId?: string | undefined
      readonly now: Date
    }) {
      const { now, platform, userId } = request
      const limits = promptLimits[platform]
      const user = yield* users.find(userId)
      if (Option.isNone(user)) {
        return yield* new UnknownPromptUser({ userId, message: `no player with id ${userId}` })
      }
      const { timezone } = user.value
      const [events, recentSummaries, openThreads, recentThoughts] = yield* Effect.all([
        lifeEvents.forDay({ userId, date: localDate(now, timezone) }),
        summaries.recent({ userId, limit: limits.summaries }),
        threads.open({ userId, limit: limits.threads }),
        thoughts.recent({ userId, limit: limits.thoughts })
      ], { concurrency: "unbounded" })

      const ownSummary = request.conversationId === undefined
        ? Option.none()
        : Option.flatMap(yield* summaries.stored(request.conversationId), (row) => Option.fromNullable(row.summary))
      const summaryForQuery = Option.getOrElse(ownSummary, () => recentSummaries[0]?.summary ?? "")
      const memoryQuery = [summaryForQuery, ...openThreads.slice(0, QUERY_THREADS).map((thread) => thread.topic)]
        .map((part) => part.trim())
        .filter((part) => part !== "")
        .join(". ")
      const remembered = yield* memoryFor(userId, memoryQuery, limits.memory)

      // Contact counts the player's messages (`last_interaction_at`) and, for conversations the
      // message path did not stamp (voice calls from the webhook), their last message.
      const latestConversation = recentSummaries[0]?.last_message_at ?? null
      const lastInteraction = user.value.last_interaction_at
      const lastContactAt = lastInteraction === null || (latestConversation !== null && latestConversation > lastInteraction)
        ? latestConversation
        : lastInteraction

      const state: PromptState = {
        platform,
        now,
        timeZone: timezone,
        displayName: user.value.display_name,
        chapter: user.value.chapter,
        gameStatus: user.value.game_status,
        relationshipScore: user.value.relationship_score,
        engagementState: user.value.engagement_state,
        conflictZone: user.value.conflict.zone,
        emotionalState: user.value.emotional_state,
        lifeEvents: events,
        memory: remembered.facts.map((fact) => ({ id: fact.id, fact: fact.fact, graphType: fact.graphType })),
        recentSummaries: recentSummaries.map((row) => ({ summary: row.summary, at: row.last_message_at })),
        lastContactAt,
        openThreads: openThreads.map((thread) => thread.topic),
        thoughts: recentThoughts.map((thought) => thought.content)
      }
      return {
        state,
        memorySource: remembered.source,
        memoryQuery,
        summaryConversationIds: recentSummaries.map((row) => row.conversation_id)
      } satisfies LoadedPromptState
    })

    return { load } as const
  }),
  dependencies: [
    UserRepository.Default,
    LifeEventRepository.Default,
    ConversationSummaryRepository.Default,
    ThreadRepository.Default,
    ThoughtRepository.Default
  ]
}) {}
