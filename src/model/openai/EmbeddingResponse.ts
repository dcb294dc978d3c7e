import { Effect, Schema } from "effect"
import { decodeFloat32Base64 } from "./Float32Base64.js"
import { ModelOutputInvalid } from "../ModelError.js"

/**
 * The part of an embeddings response we read. A vector arrives as base64 float32, as asked, or as
 * floats when a server ignores `encoding_format` (some OpenAI-compatible servers do).
 */
const EmbeddingResponse = Schema.Struct({
  data: Schema.Array(
    Schema.Struct({
      index: Schema.Int,
      embedding: Schema.Union(Schema.Array(Schema.Number), Schema.String)
    })
  )
})

/**
 * The vectors in input order, checked: one per input, each of `dimensions` finite numbers (the
 * database column's size). Anything else is `ModelOutputInvalid`.
 */
export const vectorsFromResponse = (
  response: unknown,
  inputs: number,
  dimensions: number
): Effect.Effect<ReadonlyArray<ReadonlyArray<number>>, ModelOutputInvalid> =>
  Effect.gen(function*() {
    const invalid = (message: string) => new ModelOutputInvalid({ message, name: "embeddings" })
    const decoded = yield* Schema.decodeUnknown(EmbeddingResponse)(response).pipe(
      Effect.mapError((error) => invalid(`unexpected embeddings response: ${error.message}`))
    )
    const vectors: Array<ReadonlyArray<number>> = []
    for (const item of decoded.data) {
      vectors[item.index] = typeof item.embedding === "string" ? decodeFloat32Base64(item.embedding) : item.embedding
    }
    for (let index = 0; index < inputs; index++) {
      const vector = vectors[index]
      if (vector === undefined) return yield* invalid(`no embedding for input ${index} of ${inputs}`)
      if (vector.length !== dimensions) {
        return yield* invalid(`embedding ${index} has ${vector.length} dimensions, expected ${dimensions}`)
      }
      if (!vector.every(Number.isFinite)) return yield* invalid(`embedding ${index} has a non-finite value`)
    }
    if (vectors.length !== inputs) return yield* invalid(`got ${vectors.length} embeddings for ${inputs} inputs`)
    return vectors
  })
