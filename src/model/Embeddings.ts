import { Effect, Layer, Option } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { ModelRateLimiter } from "./ModelRateLimiter.js"
import { makeOfflineEmbeddings } from "./offline/OfflineEmbeddings.js"
import { makeOpenAiEmbeddings } from "./openai/OpenAiEmbeddings.js"
import { type OpenAiSettings, openAiSettingsOf } from "./openai/OpenAiSettings.js"

/** A vector, or `None` when the text could not be embedded (the caller stores a NULL embedding). */
export type MaybeEmbedding = Option.Option<ReadonlyArray<number>>

/** What an embeddings provider implements; callers use the {@link Embeddings} service instead. */
export interface EmbeddingsProvider {
  readonly provider: "openai" | "offline"
  readonly dimensions: number
  readonly embedMany: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<MaybeEmbedding>>
}

const fromProvider = (provider: EmbeddingsProvider) => ({
  provider: provider.provider,
  /** Size of every vector returned (EMBEDDING_DIMENSIONS). */
  dimensions: provider.dimensions,
  /** One text's vector; `None` when blank or when the provider failed after its retries. */
  embed: Effect.fn("Embeddings.embed")(function*(text: string) {
    const [vector] = yield* provider.embedMany([text])
    return vector ?? Option.none()
  }),
  /**
   * One result per text, in order. Texts are batched (≤ 2,048 inputs and 300,000 tokens per
   * request, inputs over 8,192 tokens truncated); a batch that still fails after its retries
   * yields `None` for each of its texts, as does a blank text. Never fails.
   */
  embedMany: Effect.fn("Embeddings.embedMany")(function*(texts: ReadonlyArray<string>) {
    yield* Effect.annotateCurrentSpan({ "embeddings.count": texts.length, "model.provider": provider.provider })
    const vectors = yield* provider.embedMany(texts)
    const missing = vectors.filter(Option.isNone).length
    if (missing > 0) {
      yield* Effect.logWarning("some texts got no embedding").pipe(
        Effect.annotateLogs({ texts: texts.length, missing, provider: provider.provider })
      )
    }
    return vectors
  })
})

/**
 * Text embeddings for memory facts. `Default` picks the provider from the environment:
 * OPENAI_API_KEY set → OpenAI (OPENAI_EMBEDDING_MODEL, EMBEDDING_DIMENSIONS, shared rate limits);
 * unset → the offline deterministic provider (feature hashing, see `model/OfflineEmbedding.ts`).
 */
export class Embeddings extends Effect.Service<Embeddings>()("aftertalk/Embeddings", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    const settings = openAiSettingsOf(config)
    if (Option.isSome(settings)) {
      yield* Effect.logInfo("embeddings: OpenAI").pipe(
        Effect.annotateLogs({ model: settings.value.embeddingModel, dimensions: settings.value.dimensions })
      )
      return fromProvider(yield* makeOpenAiEmbeddings(settings.value))
    }
    const dimensions = config.embeddingDimensions
    yield* Effect.logWarning(
      "embeddings: OPENAI_API_KEY is not set, using the OFFLINE deterministic provider (feature-hashed vectors, no OpenAI calls)"
    ).pipe(Effect.annotateLogs({ dimensions }))
    return fromProvider(makeOfflineEmbeddings(dimensions))
  }),
  dependencies: [AppConfig.Default, ModelRateLimiter.Default]
}) {
  /** OpenAI with explicit settings (tests point it at `FakeOpenAi`); needs a `ModelRateLimiter`. */
  static readonly openAi = (settings: OpenAiSettings): Layer.Layer<Embeddings, never, ModelRateLimiter> =>
    Layer.effect(Embeddings, Effect.map(makeOpenAiEmbeddings(settings), (p) => Embeddings.make(fromProvider(p))))

  /** The offline deterministic provider. */
  static readonly offline = (dimensions: number): Layer.Layer<Embeddings> =>
    Layer.sync(Embeddings, () => Embeddings.make(fromProvider(makeOfflineEmbeddings(dimensions))))

  /** A test double; `embedMany` defaults to a loud defect. */
  static readonly Test = (
    implementation: Partial<Omit<EmbeddingsProvider, "provider">>
  ): Layer.Layer<Embeddings> =>
    Layer.sync(Embeddings, () =>
      Embeddings.make(
        fromProvider({
          provider: "offline",
          dimensions: implementation.dimensions ?? 1536,
          embedMany: implementation.embedMany ?? (() => Effect.dieMessage("Embeddings.Test: embedMany not implemented"))
        })
      ))
}
