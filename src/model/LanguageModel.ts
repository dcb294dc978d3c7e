import { Effect, Layer, Option, type Schema } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import type { ModelError } from "./ModelError.js"
import { ModelRateLimiter } from "./ModelRateLimiter.js"
import { offlineLanguageModel } from "./offline/OfflineLanguageModel.js"
import { makeOpenAiLanguageModel } from "./openai/OpenAiLanguageModel.js"
import { type OpenAiSettings, openAiSettingsOf } from "./openai/OpenAiSettings.js"
import { displayUrl } from "../config/Redaction.js"

/**
 * A request for JSON shaped by `schema`. `name` identifies the task ("extraction", "life_events"):
 * it names the JSON schema sent to OpenAI and selects the offline provider's rules.
 */
export interface ObjectRequest<A, I> {
  readonly name: string
  readonly schema: Schema.Schema<A, I>
  readonly system: string
  readonly prompt: string
  /** `max_completion_tokens` of the call; the provider's default when absent. */
  readonly maxOutputTokens?: number | undefined
}

export interface TextRequest {
  readonly system: string
  readonly prompt: string
  /** `max_completion_tokens` of the call; the provider's default when absent. */
  readonly maxOutputTokens?: number | undefined
}

/** What a model provider implements; stages use the {@link LanguageModel} service instead. */
export interface LanguageModelProvider {
  readonly provider: "openai" | "offline"
  readonly generateObject: <A, I>(request: ObjectRequest<A, I>) => Effect.Effect<A, ModelError>
  readonly generateText: (request: TextRequest) => Effect.Effect<string, ModelError>
}

const fromProvider = (provider: LanguageModelProvider) => ({
  provider: provider.provider,
  /**
   * The answer as JSON, decoded with `request.schema`; an answer that is not JSON or fails the
   * schema is `ModelOutputInvalid`. Transient failures were already retried.
   */
  generateObject: Effect.fn("LanguageModel.generateObject")(function*<A, I>(request: ObjectRequest<A, I>) {
    yield* Effect.annotateCurrentSpan({ "model.task": request.name, "model.provider": provider.provider })
    yield* Effect.logDebug("generating object").pipe(
      Effect.annotateLogs({ task: request.name, provider: provider.provider })
    )
    return yield* provider.generateObject(request)
  }),
  /** Free text (summaries, prompt enrichment). */
  generateText: Effect.fn("LanguageModel.generateText")(function*(request: TextRequest) {
    yield* Effect.annotateCurrentSpan({ "model.provider": provider.provider })
    yield* Effect.logDebug("generating text").pipe(Effect.annotateLogs({ provider: provider.provider }))
    return yield* provider.generateText(request)
  })
})

/**
 * Every chat-model call of the pipeline. `Default` picks the provider from the environment:
 * OPENAI_API_KEY set → OpenAI (OPENAI_BASE_URL, OPENAI_CHAT_MODEL, shared OPENAI_RPM/TPM limits);
 * unset → the offline deterministic provider (see `model/OfflineLanguageModel.ts`).
 */
export class LanguageModel extends Effect.Service<LanguageModel>()("aftertalk/LanguageModel", {
  effect: Effect.gen(function*() {
    const settings = openAiSettingsOf(yield* AppConfig)
    if (Option.isSome(settings)) {
      yield* Effect.logInfo("language model: OpenAI").pipe(
        Effect.annotateLogs({ model: settings.value.chatModel, baseUrl: Option.getOrElse(Option.map(settings.value.baseUrl, displayUrl), () => "default") })
      )
      return fromProvider(yield* makeOpenAiLanguageModel(settings.value))
    }
    yield* Effect.logWarning(
      "language model: OPENAI_API_KEY is not set, using the OFFLINE deterministic provider (rule-based extraction, no OpenAI calls)"
    )
    return fromProvider(offlineLanguageModel)
  }),
  dependencies: [AppConfig.Default, ModelRateLimiter.Default]
}) {
  /** OpenAI with explicit settings (tests point it at `FakeOpenAi`); needs a `ModelRateLimiter`. */
  static readonly openAi = (settings: OpenAiSettings): Layer.Layer<LanguageModel, never, ModelRateLimiter> =>
    Layer.effect(LanguageModel, Effect.map(makeOpenAiLanguageModel(settings), (p) => LanguageModel.make(fromProvider(p))))

  /** The offline deterministic provider. */
  static readonly Offline: Layer.Layer<LanguageModel> = Layer.sync(
    LanguageModel,
    () => LanguageModel.make(fromProvider(offlineLanguageModel))
  )

  /** A test double: the given methods, and a loud defect from any method not given. */
  static readonly Test = (implementation: Partial<Omit<LanguageModelProvider, "provider">>): Layer.Layer<LanguageModel> =>
    Layer.sync(LanguageModel, () =>
      LanguageModel.make(
        fromProvider({
          provider: "offline",
          generateObject: implementation.generateObject ??
            ((request) => Effect.dieMessage(`LanguageModel.Test: generateObject("${request.name}") not implemented`)),
          generateText: implementation.generateText ??
            (() => Effect.dieMessage("LanguageModel.Test: generateText not implemented"))
        })
      ))
}
