import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { randomUUID } from "node:crypto"
import type { Chapter } from "../../src/game/Chapters.js"
import type { EngagementState } from "../../src/game/Engagement.js"
import { emptyExtraction, type Extraction } from "../../src/game/ExtractionSchema.js"
import { initialMetrics, type Metrics, relationshipScore } from "../../src/game/Metrics.js"
import { DatabaseLive } from "../../src/db/Database.js"
import { PipelineInputs } from "../../src/pipeline/PipelineInputs.js"
import type { EarlierOutputs, PipelineRun, PipelineUser, StageOutputs } from "../../src/pipeline/Stage.js"
import { freshDatabaseUrl, testEnv } from "../support/Db.js"

/**
 * Fixtures for stage tests against a real PostgreSQL: a fresh migrated database per test file,
 * players and conversations inserted with plain SQL, and the `PipelineRun` the orchestrator would
 * build for them (loaded through `PipelineInputs`, the production loader).
 */

/** The vector size of the test databases (the template is migrated with the default). */
export const EMBEDDING_DIMENSIONS = 1536

/**
 * The migrated database of one test file, as a layer (`SqlClient`, `PgClient`). Share it with
 * `layer(testDatabase)(...)`: every test then works on its own player, so tests stay independent.
 */
export const testDatabase = Layer.unwrapScoped(
  Effect.map(freshDatabaseUrl, (url) =>
    DatabaseLive.pipe(Layer.provide(testEnv({ DATABASE_URL: url }))))
)

export interface PlayerFixture {
  readonly id?: string
  readonly timezone?: string
  readonly chapter?: Chapter
  /** The relationship score is derived from these, as the game does. */
  readonly metrics?: Metrics
  readonly gameStatus?: PipelineUser["gameStatus"]
  readonly engagementState?: EngagementState
  readonly vulnerabilityExchanges?: number
  readonly conflictTemperature?: number
  readonly conflictUpdatedAt?: Date
  readonly conflictCriticalSince?: Date
  readonly createdAt?: Date
}

/** Inserts a player and their metrics row; returns the player's id. Defaults are a new player. */
export const insertPlayer = Effect.fn("fixtures.insertPlayer")(function*(fixture: PlayerFixture = {}) {
  const sql = yield* SqlClient.SqlClient
  const id = fixture.id ?? randomUUID()
  const metrics = fixture.metrics ?? initialMetrics
  const createdAt = fixture.createdAt ?? new Date("2025-01-01T00:00:00Z")
  yield* sql`
    INSERT INTO users (id, timezone, chapter, relationship_score, game_status, engagement_state,
                       vulnerability_exchanges, conflict_temperature, conflict_updated_at,
                       conflict_critical_since, created_at, updated_at)
    VALUES (${id}, ${fixture.timezone ?? "UTC"}, ${fixture.chapter ?? 1}, ${relationshipScore(metrics)},
            ${fixture.gameStatus ?? "active"}, ${fixture.engagementState ?? "calibrating"},
            ${fixture.vulnerabilityExchanges ?? 0}, ${fixture.conflictTemperature ?? 0},
            ${fixture.conflictUpdatedAt ?? null}, ${fixture.conflictCriticalSince ?? null},
            ${createdAt}, ${createdAt})`
  yield* sql`
    INSERT INTO user_metrics (user_id, intimacy, passion, trust, secureness)
    VALUES (${id}, ${metrics.intimacy}, ${metrics.passion}, ${metrics.trust}, ${metrics.secureness})`
  return id
})

export interface MessageFixture {
  readonly role: "user" | "nikita"
  readonly content: string
}

export interface ConversationFixture {
  readonly userId: string
  readonly startedAt: Date
  readonly messages?: ReadonlyArray<MessageFixture>
  readonly platform?: "text" | "voice"
  /** Defaults to `queued`, the state in which the pipeline picks a conversation up. */
  readonly status?: "active" | "queued" | "processed"
}

const MINUTE_MS = 60_000

/**
 * Inserts a conversation and its messages, one minute apart from `startedAt`; `last_message_at`
 * is the last message's time. Returns the conversation's id.
 */
export const insertConversation = Effect.fn("fixtures.insertConversation")(function*(fixture: ConversationFixture) {
  const sql = yield* SqlClient.SqlClient
  const id = randomUUID()
  const messages = fixture.messages ?? []
  const sentAt = (index: number) => new Date(fixture.startedAt.getTime() + index * MINUTE_MS)
  const lastMessageAt = sentAt(Math.max(0, messages.length - 1))
  yield* sql`
    INSERT INTO conversations (id, user_id, platform, status, message_count, started_at, last_message_at)
    VALUES (${id}, ${fixture.userId}, ${fixture.platform ?? "text"}, ${fixture.status ?? "queued"},
            ${messages.length}, ${fixture.startedAt}, ${lastMessageAt})`
  for (const [index, message] of messages.entries()) {
    yield* sql`
      INSERT INTO messages (conversation_id, seq, role, content, sent_at)
      VALUES (${id}, ${index + 1}, ${message.role}, ${message.content}, ${sentAt(index)})`
  }
  return id
})

/** A short, friendly exchange for tests that need some transcript. */
export const smallTalk: ReadonlyArray<MessageFixture> = [
  { role: "user", content: "Hi! I just got back from my shift at the hospital." },
  { role: "nikita", content: "Welcome back! How was it?" },
  { role: "user", content: "Long, but I love working as a nurse." }
]

/**
 * The run the orchestrator would start for the conversation, loaded from the database as it is
 * now. `startedAt` defaults to an hour after the conversation's last message.
 */
export const pipelineRun = Effect.fn("fixtures.pipelineRun")(function*(
  conversationId: string,
  options: { readonly startedAt?: Date; readonly forceReprocess?: boolean } = {}
) {
  const inputs = yield* PipelineInputs
  const loaded = yield* inputs.load(conversationId)
  if (Option.isNone(loaded)) return yield* Effect.dieMessage(`fixture conversation ${conversationId} not found`)
  const { conversation, found, user } = loaded.value
  const run: PipelineRun = {
    executionId: randomUUID(),
    conversation,
    user,
    found,
    startedAt: options.startedAt ?? new Date(conversation.lastMessageAt.getTime() + 60 * MINUTE_MS),
    forceReprocess: options.forceReprocess ?? false
  }
  return run
})

/** The database plus what `pipelineRun` needs. */
export const testDatabaseWithInputs = PipelineInputs.Default.pipe(Layer.provideMerge(testDatabase))

/** The unit vector along one axis of the test dimension. */
export const axis = (index: number): ReadonlyArray<number> => similarTo(1, index, index)

/**
 * A unit vector with cosine similarity `similarity` to `axis(to)`, leaning towards `axis(away)`.
 * Two vectors similar to the same axis but leaning towards different axes are only
 * `s1·s2`-similar to each other, which lets a test place facts precisely around a query.
 */
export const similarTo = (similarity: number, to: number, away: number): ReadonlyArray<number> => {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0)
  vector[away] = Math.sqrt(Math.max(0, 1 - similarity * similarity))
  vector[to] = similarity
  return vector
}

/** An extraction with the given parts and the empty extraction's defaults for the rest. */
export const extractionWith = (parts: Partial<Extraction>): Extraction => ({ ...emptyExtraction, ...parts })

/**
 * What a recoverable stage reads from the stages before it, for a stage run on its own: the given
 * outputs over an empty extraction and an empty memory update (the critical outputs every
 * recoverable stage can count on).
 */
export const earlierOutputs = (outputs: Partial<StageOutputs> = {}): EarlierOutputs => ({
  extraction: emptyExtraction,
  memory_update: { inserted: 0, superseded: 0, unchanged: 0, withoutEmbedding: 0 },
  ...outputs
})
