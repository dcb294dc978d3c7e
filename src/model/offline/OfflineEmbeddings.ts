import { Effect, Option } from "effect"
import type { EmbeddingsProvider } from "../Embeddings.js"
import { hashEmbedding } from "./OfflineEmbedding.js"

/** The provider used when OPENAI_API_KEY is unset: feature-hashed vectors (`OfflineEmbedding.ts`). */
export const makeOfflineEmbeddings = (dimensions: number): EmbeddingsProvider => ({
  provider: "offline",
  dimensions,
  embedMany: (texts) =>
    Effect.succeed(texts.map((text) => (text.trim() === "" ? Option.none() : Option.some(hashEmbedding(text, dimensions)))))
})
