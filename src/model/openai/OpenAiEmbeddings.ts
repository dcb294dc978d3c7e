import { Effect, Option } from "effect"
import type { EmbeddingsProvider, MaybeEmbedding } from "../Embeddings.js"
import { type EmbeddingBatch, planEmbeddingBatches, prepareEmbeddingInput } from "../EmbeddingBatches.js"
import { vectorsFromResponse } from "./EmbeddingResponse.js"
import type { ModelRateLimiter } from "../ModelRateLimiter.js"
import { makeOpenAiClient } from "./OpenAiClient.js"
import type { OpenAiSettings } from "./OpenAiSettings.js"

/** Requests in flight at once for one `embedMany`; the shared rate limiter still paces them. */
const batchConcurrency = 4

export const makeOpenAiEmbeddings = (
  settings: OpenAiSettings
): Effect.Effect<EmbeddingsProvider, never, ModelRateLimiter> =>
  Effect.gen(function*() {
    const client = yield* makeOpenAiClient(settings)
    // Only the text-embedding-3 family can shorten its vectors; older models have a fixed size.
    const dimensionsParam = settings.embeddingModel.startsWith("text-embedding-3")
      ? { dimensions: settings.dimensions }
      : {}

    const embedBatch = (batch: EmbeddingBatch): Effect.Effect<ReadonlyArray<MaybeEmbedding>> =>
      client.createEmbeddings(
        {
          model: settings.embeddingModel,
          input: batch.inputs.map((input) => input.text),
          // float32 in base64: a 1536-dimension vector is 8 KB to read and decode instead of ~33 KB
          // of JSON numbers to parse (the SDK's own default, for the same reason).
          encoding_format: "base64",
          ...dimensionsParam
        },
        batch.tokens
      ).pipe(
        Effect.flatMap((response) => vectorsFromResponse(response, batch.inputs.length, settings.dimensions)),
        Effect.map((vectors) => vectors.map(Option.some)),
        Effect.catchAll((error) =>
          Effect.logWarning("embedding batch failed after retries; its texts get no embedding").pipe(
            Effect.annotateLogs({ error: error._tag, reason: error.message, inputs: batch.inputs.length }),
            Effect.as(batch.inputs.map(() => Option.none()))
          )
        )
      )

    const embedMany = (texts: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const inputs = texts.flatMap((text, index) => (text.trim() === "" ? [] : [prepareEmbeddingInput(index, text)]))
        for (const input of inputs) {
          if (input.truncatedFrom !== undefined) {
            yield* Effect.logWarning("embedding input truncated").pipe(
              Effect.annotateLogs({ index: input.index, tokens: input.truncatedFrom, keptTokens: input.tokens })
            )
          }
        }
        const batches = planEmbeddingBatches(inputs)
        const results = yield* Effect.forEach(batches, embedBatch, { concurrency: batchConcurrency })
        const byIndex = new Map<number, MaybeEmbedding>()
        batches.forEach((batch, b) =>
          batch.inputs.forEach((input, i) => byIndex.set(input.index, results[b]?.[i] ?? Option.none()))
        )
        return texts.map((_, index) => byIndex.get(index) ?? Option.none())
      })

    return { provider: "openai", dimensions: settings.dimensions, embedMany }
  })
