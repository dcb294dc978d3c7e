import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { ConversationStreamLive } from "../../src/queue/ConversationStream.js"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { eventually, instanceLayer, ok, seedQueued, withoutCommitFlush } from "./support.js"

/**
 * Two instances (two pools, two INSTANCE_IDs, two streams) on one database, as two replicas of
 * the service would run. Each layer is built on its own, so they share nothing but the database.
 * Two stages are enough here (the claim and the leases are under test, not the stages) and keep
 * the 200 runs' database writes down.
 */

const replica = (url: string, id: string) =>
  Layer.build(ConversationStreamLive.pipe(
    Layer.provideMerge(instanceLayer(url, { INSTANCE_ID: id, STREAM_CONCURRENCY: "8" }, { extraction: ok(5), summary: ok(5) }, [
      "extraction",
      "summary"
    ]))
  ))

describe.skipIf(!postgresAvailable)("two instances", () => {
  it.scopedLive("process 200 conversations of 50 players exactly once, never two of one player at a time", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      yield* withoutCommitFlush(url)
      // An instance without a stream, to seed the database and read the outcome.
      const observer = yield* Layer.build(instanceLayer(url, { INSTANCE_ID: "observer" }))
      const inspect = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => Effect.provide(effect, observer)
      const seeded = yield* inspect(seedQueued(50, 4))
      expect(seeded).toHaveLength(200)

      yield* Effect.all([replica(url, "replica-a"), replica(url, "replica-b")], { concurrency: 2 })

      const countProcessed = Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ n: number }>`SELECT count(*)::int AS n FROM conversations WHERE status = 'processed'`)
      yield* inspect(eventually(countProcessed, (rows) => rows[0]?.n === 200, "60 seconds"))

      const sql = yield* inspect(SqlClient.SqlClient)
      const conversations = yield* sql<{ attempts: number; n: number }>`
        SELECT processing_attempts AS attempts, count(*)::int AS n FROM conversations GROUP BY processing_attempts`
      expect(conversations).toEqual([{ attempts: 1, n: 200 }])

      const executions = yield* sql<{ runs: number; conversations: number; succeeded: number }>`
        SELECT count(*)::int AS runs, count(DISTINCT conversation_id)::int AS conversations,
               count(*) FILTER (WHERE status = 'success')::int AS succeeded
        FROM pipeline_executions`
      expect(executions).toEqual([{ runs: 200, conversations: 200, succeeded: 200 }])

      // Per player, each run starts after the previous one completed.
      const overlaps = yield* sql<{ user_id: string }>`
        SELECT user_id FROM (
          SELECT user_id, started_at,
                 lag(completed_at) OVER (PARTITION BY user_id ORDER BY started_at) AS previous_completed_at
          FROM pipeline_executions
        ) runs
        WHERE previous_completed_at > started_at`
      expect(overlaps).toEqual([])

      const byInstance = yield* sql<{ instance_id: string }>`
        SELECT DISTINCT instance_id FROM pipeline_executions ORDER BY instance_id`
      expect(byInstance.map((r) => r.instance_id)).toEqual(["replica-a", "replica-b"])
    }))
})
