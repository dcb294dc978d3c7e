import { Duration, Effect, Option } from "effect"
import { emptyExtraction, Extraction, type ExtractionOutcome } from "../../game/ExtractionSchema.js"
import { ExtractionRepository } from "../../conversation/ExtractionRepository.js"
import { LanguageModel } from "../../model/LanguageModel.js"
import { extractionRequest } from "./ExtractionPrompt.js"
import { criticalStage, type PipelineRun } from "../Stage.js"

/**
 * One model call over a whole transcript, with the model's own retries (about 1 s, 2 s, 4 s) cut
 * to fit inside it: most of the default 30 s pipeline budget, since nothing after it can run
 * without it.
 */
export const ExtractionTimeout = Duration.seconds(25)

/**
 * The model's extraction. A conversation too long for the model's context is cut from its oldest
 * end (logged, and told to the model). An answer the model could not make usable even after the
 * provider's second try (a refusal, an answer cut off at its token limit, an object failing the
 * schema's checks) falls back to the empty extraction, marked with the reason: the conversation
 * still counts and the run ends `partial_success`, instead of the conversation failing for good
 * on an answer that retrying later would not change.
 */
const extract = (run: PipelineRun) =>
  Effect.gen(function*() {
    const model = yield* LanguageModel
    const request = extractionRequest(
      run.conversation,
      run.user.gameStatus === "boss_fight" ? { chapter: run.user.chapter } : null
    )
    if (request.cut.droppedMessages > 0) {
      yield* Effect.logWarning("transcript too long for the model's context: oldest messages left out").pipe(
        Effect.annotateLogs({ dropped_messages: request.cut.droppedMessages, kept_messages: request.cut.keptMessages })
      )
    }
    const transcriptCut = request.cut.droppedMessages > 0 ? { transcriptCut: request.cut } : {}
    return yield* model.generateObject({ name: "extraction", schema: Extraction, ...request }).pipe(
      Effect.map((extracted): ExtractionOutcome => ({ ...extracted, ...transcriptCut })),
      Effect.catchTag("ModelOutputInvalid", (error) =>
        Effect.logWarning("no usable extraction from the model: continuing with the empty extraction").pipe(
          Effect.annotateLogs({ reason: error.message }),
          Effect.as<ExtractionOutcome>({ ...emptyExtraction, ...transcriptCut, fallbackReason: error.message })
        ))
    )
  })

/**
 * Stage 1: what the conversation tells the game (DOMAIN.md, extraction). The validated result is
 * stored per conversation and a re-run reuses it (the run's load finds it), because the model is
 * not deterministic and the stages after this one must see the same facts and deltas;
 * force_reprocess extracts afresh and overwrites. An empty transcript yields the empty extraction without a model call (and is not
 * stored: it is already deterministic), and so does a fallback (not stored either, so that a
 * later force_reprocess asks the model again).
 */
export const extraction = criticalStage({
  name: "extraction",
  timeout: ExtractionTimeout,
  run: (run) =>
    Effect.gen(function*() {
      if (run.conversation.messages.length === 0) {
        yield* Effect.logInfo("empty transcript: nothing to extract")
        return emptyExtraction
      }
      const repository = yield* ExtractionRepository
      const conversationId = run.conversation.id
      if (!run.forceReprocess) {
        const stored = run.found === undefined ? yield* repository.find(conversationId) : run.found.extraction
        if (Option.isSome(stored)) {
          yield* Effect.logInfo("reusing the stored extraction")
          return stored.value
        }
      }
      const extracted = yield* extract(run)
      if (extracted.fallbackReason !== undefined) return extracted
      yield* Effect.logInfo("extracted").pipe(
        Effect.annotateLogs({
          facts: extracted.facts.length,
          threads: extracted.threads.length,
          thoughts: extracted.thoughts.length,
          tone: extracted.emotional_tone
        })
      )
      const { fallbackReason: _none, transcriptCut: _cut, ...toStore } = extracted
      if (run.forceReprocess) {
        yield* repository.replace({ conversationId, extraction: toStore })
        return extracted
      }
      return yield* repository.keepFirst({ conversationId, extraction: toStore })
    })
})
