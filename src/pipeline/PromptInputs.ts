import { Clock, Effect, Option } from "effect"
import { ConversationSummaryRepository } from "../conversation/ConversationSummaryRepository.js"
import { localDate } from "../game/LocalTime.js"
import { MemoryRepository } from "../memory/MemoryRepository.js"
import { NotesRepository } from "../memory/NotesRepository.js"
import { LifeEventRepository } from "../nikita/LifeEventRepository.js"
import { UserRepository } from "../player/UserRepository.js"
import {
  type LoadedPromptState,
  type MemorySource,
  padWithRecent,
  QUERY_THREADS,
  UnknownPromptUser
} from "../prompt/LoadedPromptState.js"
import { type BuiltPrompt, PromptBuilder, type PromptBuildRequest } from "../prompt/PromptBuilder.js"
import { type PromptPlatform, promptLimits, type PromptState } from "../prompt/PromptTemplate.js"

/**
 * Reads everything a prompt is built from, for one player, platform and moment, from the feature
 * repositories (players, Nikita's life, conversation summaries, notes, memory), and builds the
 * prompt from it. The pipeline's last stage and the on-demand prompt endpoint both use it.
 */
export class PromptInputs extends Effect.Service<PromptInputs>()("aftertalk/PromptInputs", {
  effect: Effect.gen(function*() {
    const users = yield* UserRepository
    const lifeEvents = yield* LifeEventRepository
    const summaries = yield* ConversationSummaryRepository
    const notes = yield* NotesRepository
    const memory = yield* MemoryRepository
    const builder = yield* PromptBuilder

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

    const load = Effect.fn("PromptInputs.load")(function*(request: {
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
        notes.openThreads({ userId, limit: limits.threads }),
        notes.recentThoughts({ userId, limit: limits.thoughts })
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

    /** The prompt from the state loaded now; its generation time counts the loading too. */
    const build = Effect.fn("PromptInputs.build")(function*(request: PromptBuildRequest) {
      const startedMs = yield* Clock.currentTimeMillis
      const now = request.now ?? new Date(startedMs)
      const loaded = yield* load({ ...request, now })
      const rendered = yield* builder.build(request, loaded)
      const finishedMs = yield* Clock.currentTimeMillis
      return { ...rendered, generationTimeMs: Math.max(0, Math.round(finishedMs - startedMs)) } satisfies BuiltPrompt
    })

    return { load, build } as const
  }),
  dependencies: [
    UserRepository.Default,
    LifeEventRepository.Default,
    ConversationSummaryRepository.Default,
    NotesRepository.Default,
    MemoryRepository.Default,
    PromptBuilder.Default
  ]
}) {}
