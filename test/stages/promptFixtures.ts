import { SqlClient } from "@effect/sql"
import { Chunk, Clock, Duration, Effect, Fiber, TestClock } from "effect"
import type { LifeEvent } from "../../src/game/LifeEventSchema.js"
import type { StageOutputs } from "../../src/pipeline/Stage.js"
import type { MessageFixture } from "./fixtures.js"

/**
 * Fixtures for the touchpoint, summary and prompt-builder stage tests, next to the shared ones in
 * `fixtures.ts`: conversations with chosen ids (seeded draws depend on the ids), touchpoints,
 * life events, threads, thoughts and emotional states inserted with plain SQL.
 */

/** A valid, deterministic UUID: test `series` (one per test) and `n` within it. */
export const fixedId = (series: number, n: number): string =>
  `${series.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`

const MINUTE_MS = 60_000

export const insertConversationWithId = Effect.fn("promptFixtures.insertConversationWithId")(function*(fixture: {
  readonly id: string
  readonly userId: string
  readonly startedAt: Date
  readonly messages?: ReadonlyArray<MessageFixture>
  readonly platform?: "text" | "voice"
  readonly status?: "queued" | "processed"
  readonly summary?: string
}) {
  const sql = yield* SqlClient.SqlClient
  const messages = fixture.messages ?? [{ role: "user", content: "hey" }]
  const sentAt = (index: number) => new Date(fixture.startedAt.getTime() + index * MINUTE_MS)
  yield* sql`
    INSERT INTO conversations (id, user_id, platform, status, message_count, started_at, last_message_at, summary)
    VALUES (${fixture.id}, ${fixture.userId}, ${fixture.platform ?? "text"}, ${fixture.status ?? "queued"},
            ${messages.length}, ${fixture.startedAt}, ${sentAt(Math.max(0, messages.length - 1))}, ${fixture.summary ?? null})`
  for (const [index, message] of messages.entries()) {
    yield* sql`
      INSERT INTO messages (conversation_id, seq, role, content, sent_at)
      VALUES (${fixture.id}, ${index + 1}, ${message.role}, ${message.content}, ${sentAt(index)})`
  }
  return fixture.id
})

export const insertTouchpoint = Effect.fn("promptFixtures.insertTouchpoint")(function*(fixture: {
  readonly userId: string
  readonly status: "pending" | "delivered" | "cancelled"
  readonly createdAt: Date
  readonly deliveredAt?: Date
}) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    INSERT INTO scheduled_touchpoints (user_id, trigger_type, deliver_at, status, delivered_at, created_at)
    VALUES (${fixture.userId}, 'gap', ${fixture.createdAt}, ${fixture.status}, ${fixture.deliveredAt ?? null},
            ${fixture.createdAt})`
})

export const touchpointsOf = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ conversation_id: string | null; trigger_type: string; deliver_at: Date; trigger_context: Record<string, unknown> }>`
      SELECT conversation_id, trigger_type, deliver_at, trigger_context FROM scheduled_touchpoints
      WHERE user_id = ${userId} AND conversation_id IS NOT NULL ORDER BY created_at`)

export const lifeEvent = (parts: Partial<LifeEvent> & Pick<LifeEvent, "time_slot">): LifeEvent => ({
  domain: "work",
  description: `Something happened in the ${parts.time_slot}.`,
  importance: 0.3,
  valence_delta: 0,
  arousal_delta: 0,
  ...parts
})

export const insertLifeEvents = Effect.fn("promptFixtures.insertLifeEvents")(function*(
  userId: string,
  date: string,
  events: ReadonlyArray<LifeEvent>
) {
  const sql = yield* SqlClient.SqlClient
  for (const event of events) {
    yield* sql`
      INSERT INTO life_events (user_id, event_date, time_slot, domain, description, importance, valence_delta, arousal_delta)
      VALUES (${userId}, ${date}::date, ${event.time_slot}, ${event.domain}, ${event.description}, ${event.importance},
              ${event.valence_delta}, ${event.arousal_delta})`
  }
})

export const insertThread = Effect.fn("promptFixtures.insertThread")(function*(
  userId: string,
  conversationId: string,
  topic: string
) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO conversation_threads (user_id, conversation_id, topic) VALUES (${userId}, ${conversationId}, ${topic})`
})

export const insertThought = Effect.fn("promptFixtures.insertThought")(function*(
  userId: string,
  conversationId: string,
  content: string
) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO nikita_thoughts (user_id, conversation_id, content) VALUES (${userId}, ${conversationId}, ${content})`
})

export const insertEmotionalState = Effect.fn("promptFixtures.insertEmotionalState")(function*(
  userId: string,
  state: { readonly arousal: number; readonly valence: number; readonly dominance: number; readonly intimacy: number }
) {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    INSERT INTO emotional_states (user_id, arousal, valence, dominance, intimacy)
    VALUES (${userId}, ${state.arousal}, ${state.valence}, ${state.dominance}, ${state.intimacy})`
})

/** What `game_state` hands on, for stages that read the score change. */
export const gameStateOutput = (
  scoreBefore: number,
  scoreAfter: number,
  events: ReadonlyArray<string> = []
): StageOutputs["game_state"] => ({
  applied: true,
  scoreBefore,
  scoreAfter,
  metrics: { intimacy: scoreAfter, passion: scoreAfter, trust: scoreAfter, secureness: scoreAfter },
  chapter: 1,
  gameStatus: "active",
  events
})

/**
 * Runs `effect` and moves the test clock by `duration` as soon as it sleeps that long (its
 * timeout has started), then returns its result. Sleeps are counted before the start because the
 * test clock keeps listing sleeps that were interrupted (timeouts of earlier calls that finished
 * in time). Polling waits on real time: the effect reaches its timeout only after real database
 * round trips.
 */
export const runPastTimeout = <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.DurationInput) =>
  Effect.gen(function*() {
    const wakeAt = (yield* Clock.currentTimeMillis) + Duration.toMillis(duration)
    const sleepers = TestClock.sleeps().pipe(Effect.map((sleeps) => Chunk.filter(sleeps, (at) => at === wakeAt).length))
    const before = yield* sleepers
    const fiber = yield* Effect.fork(effect)
    while ((yield* sleepers) <= before) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
    yield* TestClock.adjust(duration)
    return yield* Fiber.join(fiber)
  })
