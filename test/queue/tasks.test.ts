import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { PipelineRun } from "../../src/pipeline/Stage.js"
import { Tasks } from "../../src/queue/Tasks.js"
import { postgresAvailable } from "../support/Db.js"
import { insertConversation, insertPlayer } from "../stages/fixtures.js"
import { conversationState, executionsOf, fail, freshInstance, ok, resetDatabase } from "./support.js"

/** Conversations whose runs go wrong on purpose, chosen per test through these sets. */
const brokenExtraction = new Set<string>()
const brokenTouchpoint = new Set<string>()

const behaviours = {
  extraction: (run: PipelineRun) => (brokenExtraction.has(run.conversation.id) ? fail : ok()),
  touchpoint: (run: PipelineRun) => (brokenTouchpoint.has(run.conversation.id) ? fail : ok())
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000)

const taskRuns = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ task: string; status: string; result: unknown; instance_id: string }>`
    SELECT task, status, result, instance_id FROM task_runs ORDER BY started_at`)

describe.skipIf(!postgresAvailable)("Tasks.processConversations", () => {
  layer(freshInstance({ INSTANCE_ID: "cron", STALE_AFTER: "15 minutes" }, behaviours), { excludeTestServices: true })((it) => {
    it.effect("runs what is due and answers disjoint counts with every execution id", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const tasks = yield* Tasks
        const regular = yield* insertPlayer()
        const [first, second] = yield* Effect.forEach([40, 30], (m) => insertConversation({ userId: regular, startedAt: minutesAgo(m) }))
        const finished = yield* insertConversation({ userId: yield* insertPlayer({ gameStatus: "game_over" }), startedAt: minutesAgo(30) })
        const partial = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: minutesAgo(30) })
        brokenTouchpoint.add(partial)
        const broken = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: minutesAgo(30) })
        brokenExtraction.add(broken)
        const fresh = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: minutesAgo(1), status: "active" })

        const result = yield* tasks.processConversations()
        // The regular player's two conversations both ran, one after the other.
        expect(result).toMatchObject({ status: "ok", detected: 5, processed: 2, partial: 1, failed: 1, skipped: 1 })
        expect(new Set(result.execution_ids).size).toBe(5)
        for (const id of [first, second, finished, partial]) {
          expect((yield* conversationState(id ?? "")).status).toBe("processed")
        }
        expect((yield* conversationState(broken)).status).toBe("queued")
        expect((yield* conversationState(fresh)).status).toBe("active")
        expect((yield* executionsOf(second ?? "")).map((e) => e.trigger)).toEqual(["task"])

        expect(yield* taskRuns).toEqual([
          { task: "process_conversations", status: "success", result: { ...result, execution_ids: [...result.execution_ids] }, instance_id: "cron" }
        ])
      }))

    it.effect("claims no more than the limit", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const tasks = yield* Tasks
        yield* Effect.forEach([1, 2, 3], () => Effect.flatMap(insertPlayer(), (userId) => insertConversation({ userId, startedAt: minutesAgo(30) })))
        expect(yield* tasks.processConversations({ limit: 2 })).toMatchObject({ detected: 2, processed: 2 })
        expect(yield* tasks.processConversations({ limit: 2 })).toMatchObject({ detected: 1, processed: 1 })
        expect(yield* tasks.processConversations({ limit: 2 })).toMatchObject({ detected: 0, execution_ids: [] })
      }))
  })
})
