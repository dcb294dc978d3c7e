/**
 * Embeds memory facts stored without an embedding (`npm run backfill-embeddings`). Uses the same
 * configuration as the service (DATABASE_URL, OPENAI_*); safe to interrupt and run again.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { DatabaseLive } from "../db/Database.js"
import { backfillEmbeddings } from "../memory/EmbeddingBackfill.js"
import { Embeddings } from "../model/Embeddings.js"

const BackfillLive = Layer.mergeAll(DatabaseLive.pipe(Layer.provide(AppConfig.Default)), Embeddings.Default)

NodeRuntime.runMain(backfillEmbeddings().pipe(Effect.asVoid, Effect.provide(BackfillLive)))
