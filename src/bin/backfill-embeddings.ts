/**
 * Embeds memory facts stored without an embedding (`npm run backfill-embeddings`). Uses the same
 * configuration as the service (DATABASE_URL, OPENAI_*); safe to interrupt and run again.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { DatabaseLive } from "../db/Database.js"
import { backfillEmbeddings } from "../memory/EmbeddingBackfill.js"
import { MemoryRepository } from "../memory/MemoryRepository.js"
import { Embeddings } from "../model/Embeddings.js"

const BackfillLive = Layer.mergeAll(MemoryRepository.Default, Embeddings.Default).pipe(Layer.provideMerge(DatabaseLive))

NodeRuntime.runMain(backfillEmbeddings().pipe(Effect.asVoid, Effect.provide(BackfillLive)))
