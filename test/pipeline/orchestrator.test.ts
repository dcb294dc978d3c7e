import { describe, expect, it, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Context, Deferred, Duration, Effect, Exit, Fiber, Layer, Option, Ref, TestClock } from "effect"
import { RecoverableRetry } from "../../src/pipeline/RunStages.js"
import { AppConfig } from "../../src/config/AppConfig.js"
import { DatabaseLive } from "../../src/db/Database.js"
import { PipelineInputs } from "../../src/pipeline/PipelineInputs.js"
import { ConversationLeases } from "../../src/queue/ConversationLeases.js"
import { PipelineRunner } from "../../src/queue/PipelineRunner.js"
import { PipelineRuns } from "../../src/queue/PipelineRuns.js"
import { WorkerPool } from "../../src/queue/WorkerPool.js"
import { ExecutionRepository } from "../../src/runs/ExecutionRepository.js"
import { Instance } from "../../src/config/Instance.js"
import { type StageName, stageNames } from "../../src/pipeline/Stage.js"
import { freshDatabaseUrl, postgresAvailable, testEnv } from "../support/Db.js"
import { stagesActing } from "../support/FakeStages.js"
import { insertConversation, insertPlayer, smallTalk } from "../stages/fixtures.js"

/** What a fake stage does on each call: succeed, fail, or hang (for budgets and interrupts). */
type Behaviour = "ok" | "fail" | "fail-once" | "hang"

/** `hanging` is completed with the first stage that starts to hang: the run is then mid-way, holding its leases. */
const fakePipeline = (
  calls: Ref.Ref<ReadonlyArray<StageName>>,
  behaviours: Partial<Record<StageName, Behaviour>>,
  hanging: Deferred.Deferred<StageName>
) => {
  const act = (name: StageName) =>
    Effect.gen(function*() {
      const before = (yield* Ref.get(calls)).filter((n) => n === name).length
      yield* Ref.update(calls, (list) => [...list, name])
      const behaviour = behaviours[name] ?? "ok"
      if (behaviour === "hang") return yield* Deferred.succeed(hanging, name).pipe(Effect.zipRight(Effect.never))
      if (behaviour === "fail" || (behaviour === "fail-once" && before === 0)) {
        return yield* Effect.fail(new Error(`${name} broke`))
      }
    })
  return stagesActing((name) => act(name), { timeout: "5 seconds" })
}

/**
 * What the run lifecycle uses, over the file's fresh database, under one configuration: the
 * database's `AppConfig` is the same layer as everyone's, so it must see DATABASE_URL too.
 */
const services = Layer.unwrapScoped(Effect.map(freshDatabaseUrl, (url) =>
  Layer.mergeAll(ConversationLeases.Default, ExecutionRepository.Default, Instance.Default, PipelineInputs.Default, AppConfig.Default).pipe(
    Layer.provideMerge(DatabaseLive),
    Layer.provide(testEnv({ DATABASE_URL: url, MAX_ATTEMPTS: "2", LEASE_DURATION: "30 seconds" }))
  )))

const setup = (behaviours: Partial<Record<StageName, Behaviour>> = {}, player: Parameters<typeof insertPlayer>[0] = {}) =>
  Effect.gen(function*() {
    const calls = yield* Ref.make<ReadonlyArray<StageName>>([])
    const hanging = yield* Deferred.make<StageName>()
    // The run lifecycle (claim, execution, leases, end) over fake stages.
    const built = yield* Layer.build(
      PipelineRuns.DefaultWithoutDependencies.pipe(
        Layer.provide(Layer.mergeAll(PipelineRunner.fromPlan(fakePipeline(calls, behaviours, hanging)), WorkerPool.DefaultWithoutDependencies))
      )
    )
    const orchestrator = Context.get(built, PipelineRuns)
    const userId = yield* insertPlayer(player)
    const conversationId = yield* insertConversation({ userId, startedAt: new Date("2026-01-05T10:00:00Z"), messages: smallTalk })
    return { calls, hanging, orchestrator, userId, conversationId }
  })

const conversationRow = (id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ status: string; processing_attempts: number; last_error: string | null; lease_owner: string | null; retry_in_s: number | null }>`
      SELECT status, processing_attempts, last_error, lease_owner,
             extract(epoch FROM next_attempt_at - now())::float8 AS retry_in_s
      FROM conversations WHERE id = ${id}`).pipe(Effect.map((rows) => rows[0]))

const userLease = (id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ owner: string | null }>`SELECT pipeline_lease_owner AS owner FROM users WHERE id = ${id}`)
    .pipe(Effect.map((rows) => rows[0]?.owner ?? null))

describe("RecoverableRetry", () => {
  it.effect("retries once, half a second later", () =>
    Effect.gen(function*() {
      const attempts = yield* Ref.make(0)
      const fiber = yield* Ref.updateAndGet(attempts, (n) => n + 1).pipe(
        Effect.flatMap(() => Effect.fail("boom")),
        Effect.retry(RecoverableRetry),
        Effect.fork
      )
      yield* TestClock.adjust(Duration.millis(499))
      expect(yield* Ref.get(attempts)).toBe(1)
      yield* TestClock.adjust(Duration.millis(1))
      const exit = yield* Fiber.await(fiber)
      expect(yield* Ref.get(attempts)).toBe(2)
      expect(Exit.isFailure(exit)).toBe(true)
    }))
})

describe.skipIf(!postgresAvailable)("PipelineOrchestrator", () => {
  // The live clock: budgets, retries and heartbeats run in real (short) time here.
  layer(services, { timeout: 60_000, excludeTestServices: true })((it) => {
    it.scoped("runs the nine stages in order and marks the conversation processed", () =>
      Effect.gen(function*() {
        const { calls, conversationId, orchestrator, userId } = yield* setup()
        const report = yield* orchestrator.process(conversationId, { trigger: "http_sync" })
        expect(report.status).toBe("success")
        expect(yield* Ref.get(calls)).toEqual(stageNames)
        expect(Object.keys(report.stageResults)).toEqual([...stageNames])
        expect(report.promptReady).toBe(true)
        const row = yield* conversationRow(conversationId)
        expect(row).toMatchObject({ status: "processed", processing_attempts: 1, lease_owner: null, last_error: null })
        expect(yield* userLease(userId)).toBeNull()
        const execution = yield* (yield* ExecutionRepository).find(report.executionId)
        expect(Option.map(execution, (e) => [e.status, e.trigger, Object.keys(e.stage_results).length])).toEqual(
          Option.some(["success", "http_sync", 9])
        )
      }))

    it.scoped("a critical failure stops the run, queues a retry with backoff, then fails for good", () =>
      Effect.gen(function*() {
        const { calls, conversationId, orchestrator } = yield* setup({ extraction: "fail" })
        const first = yield* Effect.flip(orchestrator.process(conversationId, { trigger: "http_sync" }))
        expect(first._tag).toBe("PipelineFailed")
        if (first._tag !== "PipelineFailed") return
        expect(first.failedStage).toBe("extraction")
        expect(first.fallbackAction).toBe("retry")
        expect(yield* Ref.get(calls)).toEqual(["extraction"])
        const queued = yield* conversationRow(conversationId)
        expect(queued?.status).toBe("queued")
        expect(queued?.last_error).toContain("extraction broke")
        // First retry within 5 minutes (DOMAIN.md): one minute.
        expect(queued?.retry_in_s).toBeGreaterThan(50)
        expect(queued?.retry_in_s).toBeLessThanOrEqual(60)

        const second = yield* Effect.flip(orchestrator.process(conversationId, { trigger: "http_sync" }))
        expect(second._tag === "PipelineFailed" && second.fallbackAction).toBe("none_available")
        expect(yield* conversationRow(conversationId)).toMatchObject({ status: "failed", processing_attempts: 2, retry_in_s: null })
      }))

    it.scoped("a recoverable failure is retried once, then recorded while the run goes on", () =>
      Effect.gen(function*() {
        const { calls, conversationId, orchestrator } = yield* setup({ life_sim: "fail-once", touchpoint: "fail" })
        const report = yield* orchestrator.process(conversationId, { trigger: "http_sync" })
        expect(report.status).toBe("partial_success")
        expect(report.failedStages).toEqual(["touchpoint"])
        expect(report.stageResults.life_sim?.success).toBe(true)
        expect(report.stageResults.touchpoint).toMatchObject({ success: false, error: "touchpoint broke" })
        const list = yield* Ref.get(calls)
        expect(list.filter((n) => n === "life_sim")).toHaveLength(2)
        expect(list.filter((n) => n === "touchpoint")).toHaveLength(2)
        expect(list.at(-1)).toBe("prompt_builder")
        expect((yield* conversationRow(conversationId))?.status).toBe("processed")
      }))

    it.scoped("a run over its budget fails naming the stage that was running", () =>
      Effect.gen(function*() {
        const { conversationId, orchestrator } = yield* setup({ emotional: "hang" })
        const failure = yield* Effect.flip(orchestrator.process(conversationId, { trigger: "http_sync", timeout: Duration.millis(300) }))
        expect(failure._tag === "PipelineFailed" && [failure.failedStage, failure.reason]).toEqual([
          "emotional",
          "pipeline timeout of 300ms exceeded while emotional was running"
        ])
        expect((yield* conversationRow(conversationId))?.status).toBe("queued")
      }))

    it.scoped("skips a player whose game is over: every stage skipped, nothing run", () =>
      Effect.gen(function*() {
        const { calls, conversationId, orchestrator } = yield* setup({}, { gameStatus: "game_over" })
        const report = yield* orchestrator.process(conversationId, { trigger: "http_sync" })
        expect(report.status).toBe("success")
        expect(report.skipped).toBe(true)
        expect(yield* Ref.get(calls)).toEqual([])
        expect(Object.values(report.stageResults).map((r) => r?.status)).toEqual(stageNames.map(() => "skipped"))
      }))

    it.scoped("refuses a running conversation, and requeues it when interrupted", () =>
      Effect.gen(function*() {
        const { conversationId, hanging, orchestrator, userId } = yield* setup({ emotional: "hang" })
        const running = yield* Effect.fork(orchestrator.process(conversationId, { trigger: "http_sync" }))
        expect(yield* Deferred.await(hanging)).toBe("emotional")
        const busy = yield* Effect.flip(orchestrator.process(conversationId, { trigger: "http_sync" }))
        expect(busy._tag).toBe("ConversationInProgress")
        expect(busy._tag === "ConversationInProgress" && busy.executionId).toMatch(/^[0-9a-f-]{36}$/)
        yield* Fiber.interrupt(running)
        // Interrupted (shutdown): back in the queue at once, the attempt not counted, leases free.
        expect(yield* conversationRow(conversationId)).toMatchObject({ status: "queued", processing_attempts: 0, lease_owner: null })
        expect(yield* userLease(userId)).toBeNull()
      }))

    it.scoped("refuses a processed conversation unless forced", () =>
      Effect.gen(function*() {
        const { calls, conversationId, orchestrator } = yield* setup()
        yield* orchestrator.process(conversationId, { trigger: "http_sync" })
        const again = yield* Effect.flip(orchestrator.process(conversationId, { trigger: "http_sync" }))
        expect(again._tag).toBe("ConversationAlreadyProcessed")
        const forced = yield* orchestrator.process(conversationId, { trigger: "http_sync", forceReprocess: true })
        expect(forced.status).toBe("success")
        expect((yield* Ref.get(calls)).length).toBe(18)
      }))

    it.scoped("takes over an expired lease and closes the dead run's execution", () =>
      Effect.gen(function*() {
        const { conversationId, orchestrator, userId } = yield* setup()
        const sql = yield* SqlClient.SqlClient
        // A crashed instance: the conversation still `processing`, its lease and run left behind.
        yield* sql`
          UPDATE conversations SET status = 'processing', lease_owner = 'dead/1',
                 lease_expires_at = now() - interval '1 second', processing_attempts = 1
          WHERE id = ${conversationId}`
        const [dead] = yield* sql<{ id: string }>`
          INSERT INTO pipeline_executions (conversation_id, user_id, trigger, status, started_at)
          VALUES (${conversationId}, ${userId}, 'stream', 'processing', now() - interval '1 minute')
          RETURNING id`
        const report = yield* orchestrator.process(conversationId, { trigger: "http_sync" })
        expect(report.status).toBe("success")
        const [closed] = yield* sql<{ status: string; error: string | null }>`
          SELECT status, error FROM pipeline_executions WHERE id = ${dead?.id ?? ""}`
        expect(closed?.status).toBe("failed")
        expect(closed?.error).toContain("lease expired")
        expect(yield* conversationRow(conversationId)).toMatchObject({ status: "processed", processing_attempts: 2 })
      }))

    it.scoped("an unknown conversation is not found", () =>
      Effect.gen(function*() {
        const { orchestrator } = yield* setup()
        const missing = yield* Effect.flip(orchestrator.process("00000000-0000-4000-8000-000000000000", { trigger: "http_sync" }))
        expect(missing._tag).toBe("ConversationNotFound")
      }))
  })
})
