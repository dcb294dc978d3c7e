import { SqlClient } from "@effect/sql"
import { Context, Duration, Effect, Layer, Redacted, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { postgresLayer } from "../../src/db/Database.js"
import { FakeOpenAi } from "../support/FakeOpenAi.js"
import type { ModelGate } from "../support/ModelGate.js"
import type { ServiceProcess } from "../support/ServiceProcess.js"

/** Shared pieces of the process tests: the children's settings, players made over HTTP, the database as the test reads it. */

export const taskSecret = "aftertalk-process-test-secret"

/**
 * An instance on PostgreSQL whose model calls go through `gate`: a text conversation is due a
 * second after its last message and the stream looks for work five times a second.
 */
export const instanceEnv = (databaseUrl: string, gate: ModelGate, extra: Readonly<Record<string, string>> = {}) => ({
  DATABASE_URL: databaseUrl,
  TASK_SECRET: taskSecret,
  OPENAI_API_KEY: "any",
  OPENAI_BASE_URL: gate.baseUrl,
  STALE_AFTER: "1 second",
  STREAM_POLL_INTERVAL: "200 millis",
  ...extra
})

/** The fake OpenAI server for the current scope (it outlives the children, which the scope also holds). */
export const fakeOpenAi = Effect.map(Layer.build(FakeOpenAi.Default), Context.get(FakeOpenAi))

/** The test's own connection to the database the children use, for arranging and inspecting. */
export const databaseAt = (url: string) =>
  Layer.build(postgresLayer(Redacted.make(url), 2)).pipe(Effect.orDie)

/** Lines a player says that the extraction reads as warm, so that a processed conversation moves the score. */
export const warmLines = [
  "I love talking to you, you always make my day better",
  "Thank you for listening to me yesterday, I really trust you",
  "I feel so happy and safe when we talk like this"
]

/** One warm message: a conversation that cannot be split by a stream with a short STALE_AFTER. */
export const oneWarmLine = warmLines.slice(0, 1)

/**
 * Creates a player over HTTP and posts `lines` as one text conversation; returns both ids. Under a
 * stream with a short STALE_AFTER, a loaded machine can pause longer than that between two posts
 * and the lines then make two conversations: such tests pass one line (`oneWarmLine`).
 */
export const playerWithConversation = (service: ServiceProcess, lines: ReadonlyArray<string> = warmLines) =>
  Effect.gen(function*() {
    const userId = randomUUID()
    const created = yield* service.send("PUT", `/users/${userId}`, { body: { display_name: "Sam" }, secret: taskSecret })
    if (created.status !== 201) return yield* Effect.dieMessage(`PUT /users answered ${created.status}: ${created.text}`)
    let conversationId = ""
    for (const [index, content] of lines.entries()) {
      const posted = yield* service.send("POST", `/users/${userId}/messages`, {
        body: { platform: "text", role: index % 2 === 0 ? "user" : "nikita", content },
        secret: taskSecret
      })
      const id = typeof posted.json === "object" && posted.json !== null && "conversation_id" in posted.json
        ? posted.json.conversation_id
        : undefined
      if (posted.status !== 202 || typeof id !== "string") {
        return yield* Effect.dieMessage(`POST /messages answered ${posted.status}: ${posted.text}`)
      }
      conversationId = id
    }
    return { userId, conversationId }
  }).pipe(Effect.orDie)

/** Polls `read` every 100 ms until `done` holds; dies after `within`, naming `what`. */
export const eventually = <A, E, R>(
  what: string,
  read: Effect.Effect<A, E, R>,
  done: (value: A) => boolean,
  within: Duration.DurationInput = "30 seconds"
) =>
  read.pipe(
    Effect.filterOrFail(done, () => "not yet" as const),
    Effect.retry(Schedule.spaced("100 millis")),
    Effect.timeoutFail({
      duration: within,
      onTimeout: () => new Error(`${what}: not reached within ${Duration.format(Duration.decode(within))}`)
    }),
    Effect.orDie
  )

export interface ConversationRow {
  readonly id: string
  readonly user_id: string
  readonly status: string
  readonly lease_owner: string | null
  readonly processing_attempts: number
}

export const conversations = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<ConversationRow>`
    SELECT id, user_id, status, lease_owner, processing_attempts FROM conversations ORDER BY started_at, id`).pipe(Effect.orDie)

/** Leases anyone still holds: conversations with an owner and players whose mailbox is taken. */
export const heldLeases = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ conversations: number; players: number }>`
    SELECT (SELECT count(*) FROM conversations WHERE lease_owner IS NOT NULL OR lease_expires_at IS NOT NULL)::int AS conversations,
           (SELECT count(*) FROM users WHERE pipeline_lease_owner IS NOT NULL OR pipeline_lease_expires_at IS NOT NULL)::int AS players`
).pipe(Effect.orDie, Effect.map((rows) => rows[0] ?? { conversations: -1, players: -1 }))

export interface ExecutionRow {
  readonly conversation_id: string
  readonly user_id: string
  readonly status: string
  readonly instance_id: string | null
  readonly attempt: number
  readonly error: string | null
  readonly started_at: Date | null
  readonly completed_at: Date | null
}

export const executions = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<ExecutionRow>`
    SELECT conversation_id, user_id, status, instance_id, attempt, error, started_at, completed_at
    FROM pipeline_executions ORDER BY created_at, id`).pipe(Effect.orDie)

export const scoreHistoryOf = (conversationId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ id: string; score_before: number; score_after: number }>`
      SELECT id, score_before, score_after FROM score_history WHERE conversation_id = ${conversationId}`).pipe(Effect.orDie)

export const relationshipScoreOf = (userId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ relationship_score: number }>`SELECT relationship_score FROM users WHERE id = ${userId}`).pipe(
    Effect.orDie,
    Effect.map((rows) => rows[0]?.relationship_score ?? Number.NaN)
  )

/**
 * A throwaway database need not wait for the disk at every commit (the many-run test makes
 * thousands); sessions opened afterwards, the children's among them, get the setting.
 */
export const withoutCommitFlush = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.flatMap(sql<{ name: string }>`SELECT current_database() AS name`, (rows) =>
    sql`ALTER DATABASE ${sql(rows[0]?.name ?? "")} SET synchronous_commit = off`)).pipe(Effect.orDie)
