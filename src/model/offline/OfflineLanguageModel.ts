import { Effect, Option, Schema } from "effect"
import { BOSS_MARKER } from "../../game/Boss.js"
import { offlineLifeEventsFrom } from "../../game/LifeSimOffline.js"
import { seededRandom } from "../../game/SeededRandom.js"
import type { LanguageModelProvider, ObjectRequest, TextRequest } from "../LanguageModel.js"
import { ModelOutputInvalid, ModelRejected, ModelUnavailable } from "../ModelError.js"
import { extractOffline } from "./OfflineExtraction.js"
import { summarizeTranscript } from "./OfflineSummary.js"
import { findTranscript, parseTranscript } from "../Transcript.js"

/** The transcript between the markers, or else every `user:` / `nikita:` line of the prompt. */
const transcriptOf = (prompt: string) => Option.getOrElse(findTranscript(prompt), () => parseTranscript(prompt))

/**
 * Raw (encoded) output for the tasks the offline provider knows, by `request.name`; the fake
 * OpenAI server of the tests answers with the same.
 */
export const offlineAnswer = (request: TextRequest & { readonly name: string }): Option.Option<unknown> => {
  switch (request.name) {
    case "extraction":
      return Option.some(extractOffline(transcriptOf(request.prompt), request.system.includes(BOSS_MARKER)))
    case "life_events":
      // The game's own offline generator, seeded by the request (which names the player and date).
      return Option.some({ events: offlineLifeEventsFrom(seededRandom(request.system, request.prompt)) })
    default:
      return Option.none()
  }
}

/**
 * The provider used when OPENAI_API_KEY is unset: deterministic rules, no network.
 *
 * - `generateObject` knows the tasks "extraction" (rules over the transcript, see
 *   `OfflineExtraction.ts`) and "life_events" (seeded from the prompt, see `OfflineLifeEvents.ts`);
 *   its output goes through the request's schema like a model's would. Other names: `ModelRejected`.
 * - `generateText` summarises when the prompt carries a transcript between the markers of
 *   `Transcript.ts`; anything else (prompt enrichment) fails with `ModelUnavailable`, so callers
 *   keep their template output.
 */
export const offlineLanguageModel: LanguageModelProvider = {
  provider: "offline",
  generateObject: <A, I>(request: ObjectRequest<A, I>) =>
    Option.match(offlineAnswer(request), {
      onNone: () =>
        Effect.fail(
          new ModelRejected({
            message: `the offline provider has no rules for the task "${request.name}"`,
            status: Option.none(),
            code: Option.some("offline_unknown_task")
          })
        ),
      onSome: (raw) =>
        Schema.decodeUnknown(request.schema)(raw).pipe(
          Effect.mapError((error) =>
            new ModelOutputInvalid({ message: `offline output does not match the schema: ${error.message}`, name: request.name })
          )
        )
    }),
  generateText: (request: TextRequest) =>
    Option.match(findTranscript(request.prompt), {
      onNone: () =>
        Effect.fail(
          new ModelUnavailable({
            message: "the offline provider does not rewrite prompts",
            status: Option.none(),
            retryAfter: Option.none()
          })
        ),
      onSome: (turns) => Effect.succeed(summarizeTranscript(turns))
    })
}
