import { Duration, Effect, Option } from "effect"
import { emptyExtraction, Extraction } from "../../game/ExtractionSchema.js"
import { ExtractionRepository } from "../../conversation/ExtractionRepository.js"
import { LanguageModel } from "../../model/LanguageModel.js"
import { extractionPrompt, extractionSystem } from "./ExtractionPrompt.js"
import { criticalStage, type PipelineRun } from "../Stage.js"

/**
 * One model call over a whole transcript, with the model's own retries (1 s, 2 s, 4 s) inside:
 * most of the default 30 s pipeline budget, since nothing after it can run without it.
 */
export const ExtractionTimeout = Duration.seconds(25)

const extract = (run: PipelineRun) =>
  Effect.gen(function*() {
    const model = yield* LanguageModel
    return yield* model.generateObject({
      name: "extraction",
      schema: Extraction,
      system: extractionSystem,
      prompt: extractionPrompt(run.conversation)
    })
  })

/**
 * Stage 1: what the conversation tells the game (DOMAIN.md, extraction). The validated result is
 * stored per conversation and a re-run reuses it, because the model is not deterministic and the
 * stages after this one must see the same facts and deltas; force_reprocess extracts afresh and
 * overwrites. An empty transcript yields the empty extraction without a model call (and is not
 * stored: it is already deterministic). Output failing the schema fails the stage.
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
        const stored = yield* repository.find(conversationId)
        if (Option.isSome(stored)) {
          yield* Effect.logInfo("reusing the stored extraction")
          return stored.value
        }
      }
      const extracted = yield* extract(run)
      yield* Effect.logInfo("extracted").pipe(
        Effect.annotateLogs({
          facts: extracted.facts.length,
          threads: extracted.threads.length,
          thoughts: extracted.thoughts.length,
          tone: extracted.emotional_tone
        })
      )
      if (run.forceReprocess) {
        yield* repository.replace({ conversationId, extraction: extracted })
        return extracted
      }
      return yield* repository.keepFirst({ conversationId, extraction: extracted })
    })
})
