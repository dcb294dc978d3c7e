/**
 * Embeds memory facts stored without an embedding (`npm run backfill-embeddings`). Uses the same
 * configuration as the service (DATABASE_URL, OPENAI_*); safe to interrupt and run again.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { AppConfig } from "../services/AppConfig.js"
import { DatabaseLive } from "../services/Database.js"
import { backfillEmbeddings } from "../services/EmbeddingBackfill.js"
import { Embeddings } from "../services/Embeddings.js"

const BackfillLive = Layer.mergeAll(DatabaseLive.pipe(Layer.provide(AppConfig.Default)), Embeddings.Default)

NodeRuntime.runMain(backfillEmbeddings().pipe(Effect.asVoid, Effect.provide(BackfillLive)))
