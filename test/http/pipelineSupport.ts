import { SqlClient } from "@effect/sql"
import { expect } from "@effect/vitest"
import { Effect, Layer, Schedule, Schema } from "effect"
import { randomUUID } from "node:crypto"
import type { Extraction } from "../../src/game/ExtractionSchema.js"
import { type ChatHandler, defaultChatHandler, FakeOpenAi, openAiError } from "../support/FakeOpenAi.js"
import { type Reply, send, TestApp } from "../support/TestApp.js"

/**
 * The whole service over a fresh database with the OpenAI provider pointed at a fake server, plus
 * helpers to play a conversation through the API and to break the pipeline from the outside.
 * The template database is migrated with 1536 dimensions, which is what the fake answers.
 */
export const PipelineApp = (env: Record<string, string> = {}) =>
  Layer.unwrapEffect(
    Effect.map(FakeOpenAi, (fake) => TestApp({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: fake.baseUrl, ...env }))
  ).pipe(Layer.provideMerge(FakeOpenAi.Default))

/**
 * What the scripted extraction tells the game. In chapter 1, calibrating (a new player): intimacy
 * +10 × 0.9 = 9, capped at +6 → 56; trust −3 (negative deltas are not scaled) → 47. The score
 * becomes 0.30·56 + 0.25·50 + 0.25·47 + 0.20·50 = 51.05.
 */
export const knownExtraction: Extraction = {
  facts: [
    { text: "User works night shifts as a nurse in Berlin", graph_type: "user" },
    { text: "User has a grey cat called Miso", graph_type: "user" },
    { text: "Nikita and the user plan a trip to the Baltic coast", graph_type: "relationship" }
  ],
  threads: ["the Baltic coast trip"],
  thoughts: ["I like how openly he talks about his night shifts"],
  summary: "The player told Nikita about night shifts as a nurse and their cat Miso, and they planned a trip.",
  emotional_tone: "positive",
  metric_deltas: { intimacy: 10, passion: 0, trust: -3, secureness: 0 },
  signals: { horsemen: [], repair_attempt: "none", vulnerability_exchange: false }
}
export const scoreAfterKnownExtraction = 51.05
export const metricsAfterKnownExtraction = { intimacy: 56, passion: 50, trust: 47, secureness: 50 }

const isExtraction: (request: Parameters<ChatHandler>[0]) => boolean = (request) =>
  request.response_format?.json_schema?.name === "extraction"

/** The chat answers `extraction` with `answer`, everything else as the fake does by default. */
export const answerExtraction = (answer: (request: Parameters<ChatHandler>[0]) => ReturnType<ChatHandler>) =>
  Effect.flatMap(FakeOpenAi, (fake) =>
    fake.onChat((request) => (isExtraction(request) ? answer(request) : defaultChatHandler(request))))

/** Extraction answers {@link knownExtraction}, except for transcripts holding `failMarker` (400). */
export const scriptExtraction = (failMarker?: string) =>
  answerExtraction((request) =>
    failMarker !== undefined && request.messages.some((message) => message.content.includes(failMarker))
      ? openAiError(400, { code: "invalid_request_error", message: "scripted failure" })
      : JSON.stringify(knownExtraction)
  )

/** A new player (201). */
export const newPlayer = Effect.gen(function*() {
  const userId = randomUUID()
  expect((yield* send("PUT", `/users/${userId}`, { body: {} })).status).toBe(201)
  return userId
})

const Accepted = Schema.Struct({ conversation_id: Schema.UUID })

/** Posts the turns (alternating player, Nikita), each sent at `sentAt` when given; answers the conversation id. */
export const converse = (
  userId: string,
  turns: ReadonlyArray<string>,
  options: { readonly platform?: "text" | "voice"; readonly sentAt?: Date } = {}
) =>
  Effect.gen(function*() {
    let conversationId = ""
    for (const [index, content] of turns.entries()) {
      const reply = yield* send("POST", `/users/${userId}/messages`, {
        body: {
          platform: options.platform ?? "text",
          role: index % 2 === 0 ? "user" : "nikita",
          content,
          ...(options.sentAt === undefined ? {} : { sent_at: options.sentAt.toISOString() })
        }
      })
      expect(reply.status).toBe(202)
      conversationId = (yield* Schema.decodeUnknown(Accepted)(reply.json)).conversation_id
    }
    return conversationId
  })

export const nightShiftTalk = [
  "I just got home from another night shift at the hospital",
  "You must be exhausted. How was it?",
  "Long. Miso the cat was waiting at the door though",
  "Miso knows when you need company. Still thinking about the Baltic trip?",
  "Yes, let's really do it this summer"
]

/** Decodes a reply's body; a body that does not match fails the test. */
export const bodyOf = <A, I>(schema: Schema.Schema<A, I>, reply: Reply) => Schema.decodeUnknown(schema)(reply.json)

const RunStatus = Schema.Struct({ status: Schema.String })

const isFinished = (reply: Reply) => {
  const status = Schema.decodeUnknownOption(RunStatus)(reply.json)
  return status._tag === "Some" && ["success", "partial_success", "failed"].includes(status.value.status)
}

/** Polls `GET /pipeline/status/{id}` until the run finished; answers the last reply. */
export const awaitRun = (executionId: string) =>
  Effect.gen(function*() {
    for (;;) {
      const reply = yield* send("GET", `/pipeline/status/${executionId}`)
      expect(reply.status).toBe(200)
      if (isFinished(reply)) return reply
      yield* Effect.sleep("100 millis")
    }
  }).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`run ${executionId} did not finish`) }))

/** Tables a fault can be put on; each has a `user_id`. */
export type FaultTable = "emotional_states" | "daily_summaries" | "scheduled_touchpoints" | "ready_prompts"

/**
 * Installs, in this test database only, a trigger on the tables above that reads `test_faults`:
 * for a listed player, `fail` makes the write raise an error; `hang` holds the write until the
 * row is removed (or the statement is cancelled). Idempotent.
 */
export const installFaults = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE IF NOT EXISTS test_faults (
      user_id uuid NOT NULL, table_name text NOT NULL, mode text NOT NULL CHECK (mode IN ('fail', 'hang')),
      PRIMARY KEY (user_id, table_name))`
  // Each statement of a volatile PL/pgSQL function sees what other transactions committed since,
  // so removing the row releases a hanging write.
  yield* sql`
    CREATE OR REPLACE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM test_faults WHERE user_id = NEW.user_id AND table_name = TG_TABLE_NAME AND mode = 'fail') THEN
        RAISE EXCEPTION 'test fault: writing % refused', TG_TABLE_NAME;
      END IF;
      WHILE EXISTS (SELECT 1 FROM test_faults WHERE user_id = NEW.user_id AND table_name = TG_TABLE_NAME AND mode = 'hang') LOOP
        PERFORM pg_sleep(0.05);
      END LOOP;
      RETURN NEW;
    END $$`
  for (const table of ["emotional_states", "daily_summaries", "scheduled_touchpoints", "ready_prompts"] as const) {
    yield* sql`DROP TRIGGER IF EXISTS test_fault ON ${sql(table)}`
    yield* sql`CREATE TRIGGER test_fault BEFORE INSERT OR UPDATE ON ${sql(table)} FOR EACH ROW EXECUTE FUNCTION test_fault()`
  }
})

export const setFault = (userId: string, table: FaultTable, mode: "fail" | "hang") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`INSERT INTO test_faults (user_id, table_name, mode) VALUES (${userId}, ${table}, ${mode})
        ON CONFLICT (user_id, table_name) DO UPDATE SET mode = EXCLUDED.mode`)

export const clearFault = (userId: string, table: FaultTable) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DELETE FROM test_faults WHERE user_id = ${userId} AND table_name = ${table}`)

/** Waits until the run of `executionId` reached `stage` (it is then running or hanging in it). */
export const awaitStage = (executionId: string, stage: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ current_stage: string | null }>`SELECT current_stage FROM pipeline_executions WHERE id = ${executionId}`.pipe(
      Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (rows) => rows[0]?.current_stage === stage }),
      Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error(`run ${executionId} never reached ${stage}`) })
    ))

/** What one player's game holds: the rows a re-run must not duplicate. */
export const playerState = (userId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const count = (table: string) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)} WHERE user_id = ${userId}`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0)
      )
    const [user] = yield* sql<{ relationship_score: number }>`SELECT relationship_score FROM users WHERE id = ${userId}`
    const days = yield* sql<{ conversation_count: number }>`
      SELECT conversation_count FROM daily_summaries WHERE user_id = ${userId}`
    return {
      score: user?.relationship_score,
      scoreHistory: yield* count("score_history"),
      activeFacts: (yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM memory_facts WHERE user_id = ${userId} AND is_active`)[0]?.n,
      facts: yield* count("memory_facts"),
      threads: yield* count("conversation_threads"),
      thoughts: yield* count("nikita_thoughts"),
      lifeEvents: yield* count("life_events"),
      emotionalStates: yield* count("emotional_states"),
      conflictUpdates: yield* count("conflict_history"),
      touchpoints: yield* count("scheduled_touchpoints"),
      dailyConversationCounts: days.map((day) => day.conversation_count),
      prompts: yield* count("ready_prompts"),
      currentPrompts: (yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM ready_prompts WHERE user_id = ${userId} AND is_current`)[0]?.n
    }
  })
