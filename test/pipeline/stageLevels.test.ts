import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Either, Fiber, Option, Ref, TestClock } from "effect"
import { pipelineDependencies } from "../../src/pipeline/Pipeline.js"
import { type StagePlan, stageLevels } from "../../src/pipeline/PipelineStep.js"
import { earliestRunning, type RunningStages, runStages } from "../../src/pipeline/RunStages.js"
import { type PipelineRun, type StageName, stageNames } from "../../src/pipeline/Stage.js"
import type { StageResults } from "../../src/runs/ExecutionRepository.js"
import { neutralOutputs, stagesActing } from "../support/FakeStages.js"

const afterExtraction = stageNames.filter((n): n is Exclude<StageName, "extraction"> => n !== "extraction")

describe("the pipeline's plan", () => {
  it("waits only for earlier stages, and prompt_builder waits for every stage", () => {
    for (const [stage, waitsFor] of Object.entries(pipelineDependencies)) {
      for (const dependency of waitsFor) {
        expect(stageNames.indexOf(dependency), `${stage} waits for ${dependency}`).toBeLessThan(
          stageNames.findIndex((n) => n === stage)
        )
      }
    }
    expect([...pipelineDependencies.prompt_builder].sort()).toEqual(afterExtraction.filter((n) => n !== "prompt_builder").sort())
  })

  it("groups the eight stages after extraction into five levels", () => {
    expect(stageLevels(afterExtraction, pipelineDependencies)).toEqual([
      ["memory_update", "life_sim"],
      ["emotional", "game_state", "touchpoint"],
      ["conflict"],
      ["summary"],
      ["prompt_builder"]
    ])
  })

  it("without dependencies runs one stage after another", () => {
    expect(stageLevels(afterExtraction, undefined)).toEqual(afterExtraction.map((n) => [n]))
  })

  it("names the earliest running stage in pipeline order", () => {
    const running: RunningStages = [{ stage: "touchpoint", startedAtMs: 5 }, { stage: "emotional", startedAtMs: 7 }]
    expect(earliestRunning(running)).toEqual(Option.some({ stage: "emotional", startedAtMs: 7 }))
    expect(earliestRunning([])).toEqual(Option.none())
  })
})

/** A run as the orchestrator hands it over; the fake stages read nothing of it. */
const fakeRun: PipelineRun = {
  executionId: "00000000-0000-4000-8000-000000000001",
  conversation: {
    id: "00000000-0000-4000-8000-000000000002", userId: "00000000-0000-4000-8000-000000000003", platform: "text",
    startedAt: new Date(0), lastMessageAt: new Date(0), messages: []
  },
  user: {
    id: "00000000-0000-4000-8000-000000000003", timezone: "UTC", gameStatus: "active", chapter: 1, relationshipScore: 50,
    metrics: { intimacy: 50, passion: 50, trust: 50, secureness: 50 }, engagementState: "calibrating",
    vulnerabilityExchanges: 0, previousInteractionAt: Option.none(), conflictTemperature: 0,
    conflictUpdatedAt: Option.none(), conflictCriticalSince: Option.none(), createdAt: new Date(0)
  },
  startedAt: new Date(0),
  forceReprocess: false
}

/** Nine fake stages run by the real level-by-level runner, on the test clock; each progress write takes `writeMs`. */
const timedRun = (plan: StagePlan<never>, writeMs = 0) =>
  Effect.gen(function*() {
    const current = yield* Ref.make<RunningStages>([])
    const originMs = yield* Clock.currentTimeMillis
    const writes = yield* Ref.make<ReadonlyArray<{ readonly atMs: number; readonly stages: ReadonlyArray<StageName> }>>([])
    const executions = {
      recordStages: (_id: string, results: StageResults) =>
        Effect.flatMap(Clock.currentTimeMillis, (atMs) =>
          Effect.sleep(Duration.millis(writeMs)).pipe(
            Effect.zipRight(Ref.update(writes, (list) => [...list, { atMs: atMs - originMs, stages: (Object.keys(results) as Array<StageName>).sort() }]))
          ))
    }
    const fiber = yield* Effect.fork(
      Effect.gen(function*() {
        const startedAtMs = yield* Clock.currentTimeMillis
        const outcome = yield* Effect.either(
          runStages({ plan, run: fakeRun, context: yield* Effect.context<never>(), current, executions, runDeadlineMs: 60_000 })
        )
        return { outcome, elapsedMs: (yield* Clock.currentTimeMillis) - startedAtMs }
      })
    )
    yield* TestClock.adjust(Duration.seconds(30))
    const { elapsedMs, outcome } = yield* Fiber.join(fiber)
    const written = yield* Ref.get(writes)
    return { elapsedMs, outcome, written, recorded: written.flatMap((write) => write.stages) }
  })

const taking200ms = (fail?: StageName) => (name: StageName) =>
  Effect.sleep(Duration.millis(200)).pipe(Effect.zipRight(name === fail ? Effect.fail(new Error(`${name} broke`)) : Effect.void))

describe("runStages", () => {
  it.effect("runs independent stages together: 6 levels × 200 ms, not 9 × 200 ms", () =>
    Effect.gen(function*() {
      const { elapsedMs, outcome, recorded } = yield* timedRun({ ...stagesActing(taking200ms()), after: pipelineDependencies })
      expect(elapsedMs).toBe(6 * 200)
      expect(Either.isRight(outcome) && outcome.right.failedStages).toEqual([])
      expect(Either.isRight(outcome) && Object.keys(outcome.right.results).sort()).toEqual([...stageNames].sort())
      expect(Either.isRight(outcome) && outcome.right.results.life_sim?.duration_ms).toBe(200)
      expect(Either.isRight(outcome) && outcome.right.outputs.summary).toEqual(neutralOutputs.summary)
      // Progress went out as it was made (what no write took is the run's end's to record).
      expect(recorded.slice(0, 3)).toEqual(["extraction", "life_sim", "memory_update"])
    }))

  it.effect("without a plan's dependencies takes 9 × 200 ms", () =>
    Effect.gen(function*() {
      const { elapsedMs } = yield* timedRun(stagesActing(taking200ms()))
      expect(elapsedMs).toBe(9 * 200)
    }))

  it.effect("a failed memory update stops the run after its level: life_sim finished, nothing later ran", () =>
    Effect.gen(function*() {
      const { outcome, recorded } = yield* timedRun({ ...stagesActing(taking200ms("memory_update")), after: pipelineDependencies })
      expect(Either.isLeft(outcome) && outcome.left._tag === "StagesStopped" && outcome.left.error.stage).toBe("memory_update")
      expect(Either.isLeft(outcome) && outcome.left._tag === "StagesStopped" && Object.keys(outcome.left.results).sort()).toEqual(
        ["extraction", "life_sim", "memory_update"]
      )
      // The first level's write went out at 250 ms; the failed level's results are the run's end's to record.
      expect(recorded).toEqual(["extraction"])
    }))

  it.effect("progress writes run behind the stages: 50 ms writes add nothing to 6 levels × 200 ms", () =>
    Effect.gen(function*() {
      const { elapsedMs, recorded } = yield* timedRun({ ...stagesActing(taking200ms()), after: pipelineDependencies }, 50)
      expect(elapsedMs).toBe(6 * 200)
      expect(recorded.slice(0, 3)).toEqual(["extraction", "life_sim", "memory_update"])
    }))

  it.effect("progress writes are 250 ms apart, each with every level ended since the last, in level order", () =>
    Effect.gen(function*() {
      // Levels end at 200, 400, … 1,200 ms; each write takes 500 ms. The first goes out at 250 ms
      // (250 ms after the run's start) and holds the writer until 750 ms, so the second takes both
      // levels that ended meanwhile. When the stages end at 1,200 ms, the three levels no write
      // took are left to the run's end, and the run waits for the write under way.
      const { elapsedMs, outcome, written } = yield* timedRun({ ...stagesActing(taking200ms()), after: pipelineDependencies }, 500)
      expect(Either.isRight(outcome)).toBe(true)
      expect(written).toEqual([
        { atMs: 250, stages: ["extraction"] },
        { atMs: 750, stages: ["emotional", "game_state", "life_sim", "memory_update", "touchpoint"] }
      ])
      expect(elapsedMs).toBe(750 + 500)
      expect(Either.isRight(outcome) && Object.keys(outcome.right.results).sort()).toEqual([...stageNames].sort())
    }))

  it.effect("writes at most every 250 ms, and none for a run shorter than that", () =>
    Effect.gen(function*() {
      const taking = (ms: number) => () => Effect.sleep(Duration.millis(ms))
      const quick = yield* timedRun({ ...stagesActing(taking(30)), after: pipelineDependencies })
      expect(quick.elapsedMs).toBe(6 * 30)
      expect(quick.written).toEqual([])

      // Levels end at 110, 220, … 660 ms: writes at 250 and 500 ms; summary's level (550 ms) and
      // prompt_builder's are left to the run's end.
      const slow = yield* timedRun({ ...stagesActing(taking(110)), after: pipelineDependencies })
      expect(slow.elapsedMs).toBe(6 * 110)
      expect(slow.written.map((write) => write.atMs)).toEqual([250, 500])
      expect(slow.written.map((write) => write.stages)).toEqual([
        ["extraction", "life_sim", "memory_update"],
        ["conflict", "emotional", "game_state", "touchpoint"]
      ])
    }))

  it.effect("a recoverable failure is recorded in pipeline order while the run goes on", () =>
    Effect.gen(function*() {
      const { outcome } = yield* timedRun({ ...stagesActing(taking200ms("touchpoint")), after: pipelineDependencies })
      expect(Either.isRight(outcome) && outcome.right.failedStages).toEqual(["touchpoint"])
      expect(Either.isRight(outcome) && outcome.right.results.prompt_builder?.success).toBe(true)
    }))
})
