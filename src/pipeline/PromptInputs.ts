import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option } from "effect"
import { MemoryRepository } from "../memory/MemoryRepository.js"
import {
  type LoadedPromptState,
  type MemorySource,
  padWithRecent,
  QUERY_THREADS,
  UnknownPromptUser
} from "../prompt/LoadedPromptState.js"
import { type BuiltPrompt, PromptBuilder, type PromptBuildRequest } from "../prompt/PromptBuilder.js"
import { type PromptLimits, type PromptPlatform, promptLimits, type PromptState } from "../prompt/PromptTemplate.js"
import { readPromptState } from "./PromptStateRead.js"

/**
 * Reads everything a prompt is built from, for one player, platform and moment (players, Nikita's
 * life, conversation summaries and notes in one statement, `PromptStateRead.ts`; memory from its
 * repository), and builds the prompt from it. The pipeline's last stage and the on-demand prompt endpoint both use it.
 */
export class PromptInputs extends Effect.Service<PromptInputs>()("aftertalk/PromptInputs", {
  effect: Effect.gen(function*() {
    const readState = readPromptState(yield* SqlClient.SqlClient)
    const memory = yield* MemoryRepository
    const builder = yield* PromptBuilder

    /** Of several platforms' limits, the largest of each: one load serves them all. */
    const widest = (platforms: ReadonlyArray<PromptPlatform>): PromptLimits => {
      const of = (key: keyof PromptLimits) => Math.max(0, ...platforms.map((p) => promptLimits[p][key]))
      return { lifeEvents: of("lifeEvents"), memory: of("memory"), summaries: of("summaries"), threads: of("threads"), thoughts: of("thoughts") }
    }

    /**
     * Reads the player's state once, at the widest limits of `platforms`, and derives each
     * platform's state from it: the memory query (the conversation's summary, else the latest
     * one, plus the newest open threads) is the same for every platform, so one search at the
     * largest limit holds every platform's best facts, most relevant first.
     */
    const loadFor = (request: {
      readonly userId: string
      readonly platforms: ReadonlyArray<PromptPlatform>
      readonly conversationId?: string | undefined
      /** The conversation's summary, when the caller has it (the pipeline's summary stage). */
      readonly ownSummary?: string | undefined
      readonly now: Date
    }) =>
      Effect.gen(function*() {
        const { now, userId } = request
        const limits = widest(request.platforms)
        // One statement; the conversation's own summary only when the caller does not hand it.
        const read = yield* readState({
          userId,
          now,
          limits,
          conversationId: request.ownSummary === undefined ? request.conversationId : undefined
        })
        if (Option.isNone(read)) {
          return yield* new UnknownPromptUser({ userId, message: `no player with id ${userId}` })
        }
        const { lifeEvents: events, openThreads, recentSummaries, recentThoughts, user } = read.value
        const { timezone } = user
        const ownSummary = request.ownSummary === undefined ? read.value.ownSummary : Option.some(request.ownSummary)
        const summaryForQuery = Option.getOrElse(ownSummary, () => recentSummaries[0]?.summary ?? "")
        const memoryQuery = [summaryForQuery, ...openThreads.slice(0, QUERY_THREADS).map((thread) => thread.topic)]
          .map((part) => part.trim())
          .filter((part) => part !== "")
          .join(". ")
        // The newest facts pad a search that found fewer than a platform's limit.
        const { found, recent } = memoryQuery === ""
          ? { found: [], recent: yield* memory.recent({ userId, limit: limits.memory }) }
          : yield* memory.searchTextOrRecent({ userId, query: memoryQuery, limit: limits.memory })

        // Contact counts the player's messages (`last_interaction_at`) and, for conversations the
        // message path did not stamp (voice calls from the webhook), their last message.
        const latestConversation = recentSummaries[0]?.last_message_at ?? null
        const lastInteraction = user.last_interaction_at
        const lastContactAt = lastInteraction === null || (latestConversation !== null && latestConversation > lastInteraction)
          ? latestConversation
          : lastInteraction

        const stateOf = (platform: PromptPlatform): LoadedPromptState => {
          const own = promptLimits[platform]
          const searched = found.slice(0, own.memory)
          const facts = searched.length >= own.memory ? searched : padWithRecent(searched, recent.slice(0, own.memory), own.memory)
          const memorySource: MemorySource = facts.length === 0
            ? "none"
            : searched.length === 0
            ? "recent"
            : facts.length > searched.length
            ? "search_and_recent"
            : "search"
          const summariesShown = recentSummaries.slice(0, own.summaries)
          const state: PromptState = {
            platform,
            now,
            timeZone: timezone,
            displayName: user.display_name,
            chapter: user.chapter,
            gameStatus: user.game_status,
            relationshipScore: user.relationship_score,
            engagementState: user.engagement_state,
            conflictZone: user.conflict.zone,
            emotionalState: user.emotional_state,
            lifeEvents: events,
            memory: facts.map((fact) => ({ id: fact.id, fact: fact.fact, graphType: fact.graphType })),
            recentSummaries: summariesShown.map((row) => ({ summary: row.summary, at: row.last_message_at })),
            lastContactAt,
            openThreads: openThreads.slice(0, own.threads).map((thread) => thread.topic),
            thoughts: recentThoughts.slice(0, own.thoughts).map((thought) => thought.content)
          }
          return { state, memorySource, memoryQuery, summaryConversationIds: summariesShown.map((row) => row.conversation_id) }
        }
        return stateOf
      })

    const load = Effect.fn("PromptInputs.load")(function*(request: {
      readonly userId: string
      readonly platform: PromptPlatform
      readonly conversationId?: string | undefined
      readonly now: Date
    }) {
      const stateOf = yield* loadFor({ ...request, platforms: [request.platform] })
      return stateOf(request.platform)
    })

    /** The prompt from the state loaded now; its generation time counts the loading too. */
    const build = Effect.fn("PromptInputs.build")(function*(request: PromptBuildRequest) {
      const built = yield* buildAll({ ...request, platforms: [request.platform] })
      return built[request.platform]
    })

    /**
     * The prompts of several platforms from one load of the player's state (the pipeline's last
     * stage builds text and voice); each one's generation time counts that load and its own rendering.
     */
    const buildAll = Effect.fn("PromptInputs.buildAll")(function*<P extends PromptPlatform>(
      request: Omit<PromptBuildRequest, "platform"> & {
        readonly platforms: ReadonlyArray<P>
        /** The conversation's summary, when the caller has it: it is not read again. */
        readonly ownSummary?: string | undefined
      }
    ) {
      const startedMs = yield* Clock.currentTimeMillis
      const now = request.now ?? new Date(startedMs)
      const stateOf = yield* loadFor({ ...request, now })
      const built: Partial<Record<P, BuiltPrompt>> = {}
      for (const platform of request.platforms) {
        const rendered = yield* builder.build({ ...request, platform }, stateOf(platform))
        const finishedMs = yield* Clock.currentTimeMillis
        built[platform] = { ...rendered, generationTimeMs: Math.max(0, Math.round(finishedMs - startedMs)) }
      }
      return built as Record<P, BuiltPrompt>
    })

    return { load, build, buildAll } as const
  }),
  dependencies: [MemoryRepository.Default, PromptBuilder.Default]
}) {}
