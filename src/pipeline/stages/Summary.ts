import { Duration, Effect, Either, Option } from "effect"
import {
  cleanModelSummary,
  ruleBasedSummary,
  SUMMARY_TRANSCRIPT_MESSAGES
} from "../../game/ConversationSummary.js"
import { keyMomentsOf } from "../../game/DailySummary.js"
import type { EmotionalTone } from "../../game/EmotionalTone.js"
import { localDate } from "../../game/LocalTime.js"
import { ConversationSummaryRepository } from "../../conversation/ConversationSummaryRepository.js"
import { DailySummaryRepository } from "../../conversation/DailySummaryRepository.js"
import { LanguageModel } from "../../model/LanguageModel.js"
import { transcriptBlock } from "../../model/Transcript.js"
import { type PipelineRun, recoverableStage } from "../Stage.js"

/**
 * The model call gets its own, shorter budget so that a slow model still leaves time for the
 * rule-based fallback and the two writes inside the stage's timeout.
 */
export const SummaryModelTimeout = Duration.seconds(10)
export const SummaryTimeout = Duration.seconds(15)

const summaryRequest = (messages: PipelineRun["conversation"]["messages"]) => ({
  system:
    "You summarise conversations between a player and Nikita, their AI companion. Answer with one or two " +
    "sentences in the past tense, third person (\"The player …\", \"Nikita …\"), naming the topics and the " +
    "mood. No preamble, no quotes, no lists.",
  prompt: `Summarise this conversation:\n${transcriptBlock(messages.slice(-SUMMARY_TRANSCRIPT_MESSAGES))}`
})

type SummarySource = "extraction" | "previous_run" | "model" | "rule_based"

/**
 * The model's summary of the last messages; on any model failure, a timeout or an empty answer,
 * the rule-based one. Never fails: a summary is always produced.
 */
const modelOrRuleBased = (run: PipelineRun) =>
  Effect.gen(function*() {
    const { messages, platform } = run.conversation
    const fallback = { summary: ruleBasedSummary(platform, messages), source: "rule_based" as const }
    if (messages.length === 0) return fallback
    const model = yield* LanguageModel
    const answer = yield* model.generateText(summaryRequest(messages)).pipe(
      Effect.timeout(SummaryModelTimeout),
      Effect.map(cleanModelSummary),
      Effect.either
    )
    if (Either.isRight(answer) && answer.right !== "") return { summary: answer.right, source: "model" as const }
    yield* Effect.logWarning("model summary unavailable, using the rule-based summary").pipe(
      Effect.annotateLogs({
        reason: Either.isLeft(answer) ? `${answer.left._tag}: ${answer.left.message}` : "empty answer"
      })
    )
    return fallback
  })

/**
 * Stage 8. The conversation's summary is, in order: the extraction's; the one a previous run of
 * this conversation stored (so a re-run keeps its words instead of asking the model again; not
 * under force_reprocess, whose summary overwrites the earlier one); a
 * model summary of the last 10 messages; a rule-based one (`domain/ConversationSummary.ts`).
 * Then the conversation is folded once into the player's day (local date of its last message,
 * so a late-night chat processed after midnight still counts for the evening it happened).
 * Scores come from `game_state`; when that stage failed, the score as the run found it.
 */
export const summary = recoverableStage({
  name: "summary",
  timeout: SummaryTimeout,
  run: (run, earlier) =>
    Effect.gen(function*() {
      const conversations = yield* ConversationSummaryRepository
      const days = yield* DailySummaryRepository
      const stored = run.found === undefined
        ? Option.flatMap(yield* conversations.stored(run.conversation.id), (row) => Option.fromNullable(row.summary))
        : run.found.summary
      const storedSummary = stored.pipe(
        Option.filter((text) => text.trim() !== "")
      )
      const extracted = earlier.extraction.summary.trim()

      const chosen: { readonly summary: string; readonly source: SummarySource } = extracted !== ""
        ? { summary: extracted, source: "extraction" }
        : Option.isSome(storedSummary) && !run.forceReprocess
        ? { summary: storedSummary.value, source: "previous_run" }
        : yield* modelOrRuleBased(run)
      const tone: EmotionalTone = earlier.extraction.emotional_tone

      yield* conversations.set({ conversationId: run.conversation.id, summary: chosen.summary, tone })

      const summaryDate = localDate(run.conversation.lastMessageAt, run.user.timezone)
      const { counted, day } = yield* days.record({
        userId: run.user.id,
        summaryDate,
        // The run's load found the day of the same local date.
        ...(run.found === undefined ? {} : { found: run.found.day }),
        conversation: {
          conversationId: run.conversation.id,
          scoreBefore: earlier.game_state?.scoreBefore ?? run.user.relationshipScore,
          scoreAfter: earlier.game_state?.scoreAfter ?? run.user.relationshipScore,
          tone,
          keyMoments: keyMomentsOf({
            conversationId: run.conversation.id,
            summary: chosen.summary,
            gameEvents: earlier.game_state?.events ?? [],
            conflictEvents: earlier.conflict?.events ?? []
          })
        }
      })
      yield* Effect.logInfo("conversation summarised").pipe(
        Effect.annotateLogs({
          source: chosen.source,
          summary_date: summaryDate,
          counted_in_day: counted,
          day_conversations: day.conversation_count,
          dominant_tone: day.dominant_tone ?? "none"
        })
      )
      return { summary: chosen.summary }
    })
})
