import { describe, expect, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { modelGate } from "../support/ModelGate.js"
import { startService } from "../support/ServiceProcess.js"
import { seedConversations } from "../support/SeedConversations.js"
import {
  conversations,
  databaseAt,
  eventually,
  executions,
  type ExecutionRow,
  fakeOpenAi,
  heldLeases,
  instanceEnv,
  withoutCommitFlush
} from "./support.js"

/**
 * Two replicas of the service, two processes with nothing in common but the database, each with
 * its own stream, pool and instance id, running the real nine stages. Every conversation must be
 * processed exactly once, and a player's conversations one after the other, oldest first: the
 * claim and the leases are all that stands between the two streams. (test/queue/twoInstances
 * covers many more runs in one process; this one is about separate processes.)
 */

const players = 8
const perPlayer = 3

const conversationStarts = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ id: string; started_at: Date }>`SELECT id, started_at FROM conversations`).pipe(Effect.orDie)

const scoreChangesPerConversation = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ conversation_id: string; changes: number }>`
    SELECT conversation_id, count(*)::int AS changes FROM score_history GROUP BY conversation_id`).pipe(Effect.orDie)

const byPlayer = (runs: ReadonlyArray<ExecutionRow>) => {
  const grouped = new Map<string, Array<ExecutionRow>>()
  for (const run of runs) grouped.set(run.user_id, [...(grouped.get(run.user_id) ?? []), run])
  return [...grouped.values()].map((own) => [...own].sort((x, y) => (x.started_at?.getTime() ?? 0) - (y.started_at?.getTime() ?? 0)))
}

describe.skipIf(!postgresAvailable)("two service processes on one database", () => {
  it.scopedLive("process every conversation exactly once, a player's one at a time and oldest first", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const db = yield* databaseAt(url)
      yield* Effect.provide(withoutCommitFlush, db)
      const fake = yield* fakeOpenAi
      const gate = yield* modelGate(fake.url)
      // Three slots each, fewer than the players: neither replica can take all the work alone.
      const replicas = yield* Effect.all(
        ["replica-1", "replica-2"].map((id) =>
          startService(id, instanceEnv(url, gate, { INSTANCE_ID: id, STREAM_CONCURRENCY: "3", STREAM_POLL_INTERVAL: "100 millis" }))
        ),
        { concurrency: "unbounded" }
      )

      yield* Effect.provide(seedConversations(players, perPlayer), db)
      const done = yield* eventually(
        "every conversation processed",
        Effect.provide(conversations, db),
        (rows) => rows.every((row) => row.status === "processed" || row.status === "failed"),
        "45 seconds"
      )
      for (const replica of replicas) expect(yield* replica.stop("SIGTERM")).toEqual({ code: 0, signal: null })

      expect(done).toHaveLength(players * perPlayer)
      expect(done.filter((row) => row.status !== "processed" || row.processing_attempts !== 1)).toEqual([])
      expect(yield* Effect.provide(heldLeases, db)).toEqual({ conversations: 0, players: 0 })

      // Exactly once: one run per conversation, and one score change.
      const runs = yield* Effect.provide(executions, db)
      expect(runs).toHaveLength(players * perPlayer)
      expect(new Set(runs.map((run) => run.conversation_id)).size).toBe(players * perPlayer)
      expect(runs.filter((run) => run.status !== "success" && run.status !== "partial_success")).toEqual([])
      const changes = yield* Effect.provide(scoreChangesPerConversation, db)
      expect(changes).toHaveLength(players * perPlayer)
      expect(changes.every((row) => row.changes === 1)).toBe(true)
      // Both replicas did part of it: this was a race between two processes, not one doing it all.
      expect(new Set(runs.map((run) => run.instance_id))).toEqual(new Set(["replica-1", "replica-2"]))

      // Per player: each run ended before the next began, and they went in conversation order.
      const startOf = new Map((yield* Effect.provide(conversationStarts, db)).map((c) => [c.id, c.started_at.getTime()]))
      for (const own of byPlayer(runs)) {
        expect(own).toHaveLength(perPlayer)
        own.forEach((run, index) => {
          const next = own[index + 1]
          if (next === undefined) return
          // A missing time is NaN, which fails both comparisons.
          expect(run.completed_at?.getTime() ?? Number.NaN).toBeLessThanOrEqual(next.started_at?.getTime() ?? Number.NaN)
          expect(startOf.get(run.conversation_id) ?? Number.NaN).toBeLessThan(startOf.get(next.conversation_id) ?? Number.NaN)
        })
      }
    }), 60_000)
})
